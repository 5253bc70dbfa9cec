// tests/ops/test_op_table.cpp — drives every op of the sample-input table (one file per family
// under tests/reference/data/, written by make_refs.py) through two checks:
//  1. parity: float32 forward and input gradients against PyTorch's, within the case's tolerance;
//  2. gradcheck: the same call in double against central finite differences (and the second
//     derivative for cases marked gradgradcheck).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <ganlib/io/safetensors.hpp>

#include "../support/gradcheck.hpp"
#include "../support/op_registry.hpp"

using namespace ganlib;
using namespace ganlib::testing;

namespace {

std::string check_parity(const json& c, const safetensors::File& f) {
  const std::string name = c["name"];
  const auto& op = op_registry().at(c["op"]);
  const int n = c["n_inputs"];
  const auto mask = c["grad"].get<std::vector<bool>>();
  std::vector<Tensor<float, cpu>> ins;
  for (int i = 0; i < n; ++i) {
    auto t = safetensors::to_tensor<float, cpu>(f.tensors.at(name + ".in" + std::to_string(i)));
    if (mask[size_t(i)]) t.requires_grad_();
    ins.push_back(t);
  }
  auto out = op.f32(ins, c["args"]);
  const auto want = f.tensors.at(name + ".out");
  if (out.shape() != want.shape)
    return "output shape " + to_string(out.shape()) + " vs PyTorch " + to_string(want.shape);
  const double rtol = c["rtol"], atol = c["atol"];
  const auto outv = out.to_vector();
  auto msg = compare("output", std::vector<double>(outv.begin(), outv.end()), want.to_double(),
                     atol * std::max(1.0, max_abs(want.to_double())), rtol);
  if (!msg.empty()) return msg;
  if (!out.requires_grad()) return "";
  out.backward(safetensors::to_tensor<float, cpu>(f.tensors.at(name + ".gout")));
  for (int i = 0; i < n; ++i) {
    if (!mask[size_t(i)]) continue;
    const auto ref = f.tensors.at(name + ".grad" + std::to_string(i)).to_double();
    const auto g = ins[size_t(i)].grad();
    std::vector<double> got = g.defined() ? [&] { auto v = g.to_vector(); return std::vector<double>(v.begin(), v.end()); }()
                                          : std::vector<double>(ref.size(), 0.0);
    msg = compare("gradient of input " + std::to_string(i), got, ref, atol * std::max(1.0, max_abs(ref)), rtol);
    if (!msg.empty()) return msg;
  }
  return "";
}

std::string check_grad(const json& c, const safetensors::File& f, bool second) {
  const std::string name = c["name"];
  const auto& op = op_registry().at(c["op"]);
  const auto mask = c["grad"].get<std::vector<bool>>();
  std::vector<TD> ins;
  for (int i = 0; i < int(c["n_inputs"]); ++i) {
    auto t = safetensors::to_tensor<double, cpu>(f.tensors.at(name + ".in" + std::to_string(i)));
    if (mask[size_t(i)]) t.requires_grad_();
    ins.push_back(t);
  }
  const json args = c["args"];
  Fn fn = [&](const std::vector<TD>& in) { return op.f64(in, args); };
  return second ? gradgradcheck(fn, ins) : gradcheck(fn, ins);
}

}  // namespace

TEST_CASE("op table: PyTorch parity and finite-difference gradients") {
  const std::filesystem::path dir = GANLIB_REF_DIR;
  std::vector<std::filesystem::path> files;
  // GANLIB_OP_FAMILIES=conv,pool limits the run to those families (while developing one).
  const char* only = std::getenv("GANLIB_OP_FAMILIES");
  const std::string wanted = only ? std::string(",") + only + "," : "";
  for (auto& p : std::filesystem::directory_iterator(dir))
    if (p.path().extension() == ".safetensors" &&
        (wanted.empty() || wanted.find("," + p.path().stem().string() + ",") != std::string::npos))
      files.push_back(p.path());
  std::sort(files.begin(), files.end());
  REQUIRE_MESSAGE(!files.empty(), "no reference files in " << dir);
  int total = 0;
  for (const auto& path : files) {
    const auto file = safetensors::load(path.string());
    const auto cases = json::parse(file.metadata.at("cases"));
    for (const auto& c : cases) {
      const std::string name = c["name"], op = c["op"];
      INFO(path.filename().string() << " case " << name << " (op " << op << ")");
      REQUIRE_MESSAGE(op_registry().count(op), "op '" << op << "' is not registered in tests/ops/registry_*.cpp");
      std::string err;
      try { err = check_parity(c, file); } catch (const std::exception& e) { err = std::string("threw: ") + e.what(); }
      CHECK_MESSAGE(err.empty(), "parity: " << err);
      if (c["gradcheck"].get<bool>()) {
        try { err = check_grad(c, file, false); } catch (const std::exception& e) { err = std::string("threw: ") + e.what(); }
        CHECK_MESSAGE(err.empty(), "gradcheck: " << err);
      }
      if (c["gradgradcheck"].get<bool>()) {
        try { err = check_grad(c, file, true); } catch (const std::exception& e) { err = std::string("threw: ") + e.what(); }
        CHECK_MESSAGE(err.empty(), "gradgradcheck: " << err);
      }
      ++total;
    }
  }
  MESSAGE(total << " op-table cases checked");
}

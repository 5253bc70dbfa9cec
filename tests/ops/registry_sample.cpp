// tests/ops/registry_sample.cpp — the resampling ops of tests/reference/cases_sample.py, by name.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

namespace {
GridPadding padding_arg(const json& a) {
  const std::string p = a["padding"];
  if (p == "zeros") return GridPadding::zeros;
  if (p == "border") return GridPadding::border;
  throw Error("registry_sample: unknown padding mode " + p);
}
}  // namespace

GANLIB_REGISTER_OP("grid_sample", [](const auto& in, const json& a) {
  return grid_sample(in[0], in[1], padding_arg(a), a["align_corners"].get<bool>());
});
GANLIB_REGISTER_OP("grid_sample_of_square", [](const auto& in, const json& a) {
  return grid_sample(mul(in[0], in[0]), in[1], padding_arg(a), a["align_corners"].get<bool>());
});
GANLIB_REGISTER_OP("flow_warp", [](const auto& in, const json&) { return flow_warp(in[0], in[1]); });
GANLIB_REGISTER_OP("flow_warp_of_square", [](const auto& in, const json&) {
  return flow_warp(mul(in[0], in[0]), in[1]);
});

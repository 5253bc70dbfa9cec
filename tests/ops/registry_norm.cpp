// tests/ops/registry_norm.cpp — the ops of tests/reference/cases_norm.py, by name. `layout`
// names each input (x, rm, rv, w, b); the *_running ops return cat(running_mean, running_var)
// after one training step on copies of the given statistics.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

namespace {
template <class TensorT>
struct NormArgs {
  TensorT x, rm, rv, w, b;
};
template <class TensorT>
NormArgs<TensorT> named(const std::vector<TensorT>& in, const json& a, bool copy_stats) {
  NormArgs<TensorT> r;
  const auto layout = a["layout"].get<std::vector<std::string>>();
  for (size_t i = 0; i < layout.size(); ++i) {
    const auto& k = layout[i];
    (k == "x" ? r.x : k == "rm" ? r.rm : k == "rv" ? r.rv : k == "w" ? r.w : r.b) = in[i];
  }
  if (copy_stats) {  // the harness calls an op many times with the same inputs
    if (r.rm.defined()) r.rm = copy_values(r.rm);
    if (r.rv.defined()) r.rv = copy_values(r.rv);
  }
  return r;
}
double opt(const json& a, const char* k, double d) { return a.contains(k) ? a[k].get<double>() : d; }

template <class TensorT>
TensorT bn(const std::vector<TensorT>& in, const json& a, bool running) {
  auto n = named(in, a, true);
  auto y = batch_norm(n.x, n.rm, n.rv, n.w, n.b, a["training"].get<bool>(), opt(a, "momentum", 0.1),
                      opt(a, "eps", 1e-5));
  return running ? concat(std::vector<TensorT>{n.rm, n.rv}, 0) : y;
}
template <class TensorT>
TensorT inorm(const std::vector<TensorT>& in, const json& a, bool running) {
  auto n = named(in, a, true);
  const bool use_input_stats = a.contains("use_input_stats") ? a["use_input_stats"].get<bool>() : true;
  auto y = instance_norm(n.x, n.rm, n.rv, n.w, n.b, use_input_stats, opt(a, "momentum", 0.1), opt(a, "eps", 1e-5));
  return running ? concat(std::vector<TensorT>{n.rm, n.rv}, 0) : y;
}
}  // namespace

GANLIB_REGISTER_OP("batch_norm", [](const auto& in, const json& a) { return bn(in, a, false); });
GANLIB_REGISTER_OP("batch_norm_running", [](const auto& in, const json& a) { return bn(in, a, true); });
GANLIB_REGISTER_OP("instance_norm", [](const auto& in, const json& a) { return inorm(in, a, false); });
GANLIB_REGISTER_OP("instance_norm_running", [](const auto& in, const json& a) { return inorm(in, a, true); });

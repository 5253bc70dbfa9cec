// tests/ops/registry_pool.cpp — the pooling ops of tests/reference/cases_pool.py.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

namespace {
Int2 int2_arg(const json& a, const char* key, int64_t dflt) {
  if (!a.contains(key) || a[key].is_null()) return Int2(dflt);
  const auto& v = a[key];
  if (v.is_array()) return Int2(v[0].get<int64_t>(), v[1].get<int64_t>());
  return Int2(v.get<int64_t>());
}
template <class TensorT>
TensorT maybe_square(const TensorT& y, const json& a) { return a.value("square", false) ? square(y) : y; }
}  // namespace

GANLIB_REGISTER_OP("avg_pool2d", [](const auto& in, const json& a) {
  return maybe_square(avg_pool2d(in[0], int2_arg(a, "kernel_size", 1), int2_arg(a, "stride", 0),
                                 int2_arg(a, "padding", 0), a.value("ceil_mode", false),
                                 a.value("count_include_pad", true)), a);
});
GANLIB_REGISTER_OP("max_pool2d", [](const auto& in, const json& a) {
  return maybe_square(max_pool2d(in[0], int2_arg(a, "kernel_size", 1), int2_arg(a, "stride", 0),
                                 int2_arg(a, "padding", 0), int2_arg(a, "dilation", 1),
                                 a.value("ceil_mode", false)), a);
});
GANLIB_REGISTER_OP("global_sum_pool", [](const auto& in, const json&) { return global_sum_pool(in[0]); });
GANLIB_REGISTER_OP("global_avg_pool", [](const auto& in, const json&) { return global_avg_pool(in[0]); });

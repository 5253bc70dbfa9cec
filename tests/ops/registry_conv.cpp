// tests/ops/registry_conv.cpp — conv2d / conv_transpose2d of tests/reference/cases_conv.py.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

namespace {
// F.conv2d's int-or-pair arguments.
Int2 int2_arg(const json& a, const char* key, int64_t dflt) {
  if (!a.contains(key)) return Int2(dflt);
  const auto& v = a[key];
  if (v.is_array()) return Int2(v[0].get<int64_t>(), v[1].get<int64_t>());
  return Int2(v.get<int64_t>());
}
}  // namespace

GANLIB_REGISTER_OP("conv2d", [](const auto& in, const json& a) {
  using TensorT = std::decay_t<decltype(in[0])>;
  return conv2d(in[0], in[1], in.size() > 2 ? in[2] : TensorT(), int2_arg(a, "stride", 1),
                int2_arg(a, "padding", 0), int2_arg(a, "dilation", 1), a.value("groups", int64_t(1)));
});
GANLIB_REGISTER_OP("conv_transpose2d", [](const auto& in, const json& a) {
  using TensorT = std::decay_t<decltype(in[0])>;
  return conv_transpose2d(in[0], in[1], in.size() > 2 ? in[2] : TensorT(), int2_arg(a, "stride", 1),
                          int2_arg(a, "padding", 0), int2_arg(a, "output_padding", 0),
                          a.value("groups", int64_t(1)), int2_arg(a, "dilation", 1));
});

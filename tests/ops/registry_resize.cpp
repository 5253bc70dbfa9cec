// tests/ops/registry_resize.cpp — pad2d and upsample2d of tests/reference/cases_pad.py and
// cases_upsample.py.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

namespace {
template <class TensorT>
TensorT maybe_square(const TensorT& y, const json& a) { return a.value("square", false) ? square(y) : y; }

PadMode pad_mode(const std::string& m) {
  if (m == "reflect") return PadMode::reflect;
  if (m == "replicate") return PadMode::replicate;
  return PadMode::constant;
}
}  // namespace

GANLIB_REGISTER_OP("pad2d", [](const auto& in, const json& a) {
  using T = typename std::decay_t<decltype(in[0])>::value_type;
  const auto p = a["pad"].get<std::vector<int64_t>>();
  return maybe_square(pad2d(in[0], {p[0], p[1], p[2], p[3]}, pad_mode(a.value("mode", std::string("constant"))),
                            T(a.value("value", 0.0))), a);
});
GANLIB_REGISTER_OP("upsample2d", [](const auto& in, const json& a) {
  const auto mode = a.value("mode", std::string("nearest")) == "bilinear" ? UpsampleMode::bilinear
                                                                          : UpsampleMode::nearest;
  const bool align = a.contains("align_corners") && a["align_corners"].is_boolean() && a["align_corners"].get<bool>();
  if (a.contains("size")) {
    const auto s = a["size"].get<std::vector<int64_t>>();
    return maybe_square(upsample2d_to(in[0], {s[0], s[1]}, mode, align), a);
  }
  const auto& s = a["scale"];
  const Scale2 scale = s.is_array() ? Scale2(s[0].get<double>(), s[1].get<double>()) : Scale2(s.get<double>());
  return maybe_square(upsample2d(in[0], scale, mode, align), a);
});

// tests/ops/registry_loss.cpp — the ops of tests/reference/cases_loss.py, by name.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

namespace {
Reduction red(const json& a) { return reduction_from_string(a["reduction"].get<std::string>()); }
}  // namespace

GANLIB_REGISTER_OP("mse_loss", [](const auto& in, const json& a) { return mse_loss(in[0], in[1], red(a)); });
GANLIB_REGISTER_OP("l1_loss", [](const auto& in, const json& a) { return l1_loss(in[0], in[1], red(a)); });
GANLIB_REGISTER_OP("bce_with_logits", [](const auto& in, const json& a) {
  using TensorT = std::decay_t<decltype(in[0])>;
  return bce_with_logits(in[0], in[1], in.size() > 2 ? in[2] : TensorT(), red(a));
});
GANLIB_REGISTER_OP("cross_entropy", [](const auto& in, const json& a) {
  return cross_entropy(in[0], in[1], a["ignore_index"].get<int64_t>(), red(a));
});
GANLIB_REGISTER_OP("hinge_d", [](const auto& in, const json&) { return hinge_d(in[0], in[1]); });
GANLIB_REGISTER_OP("hinge_g", [](const auto& in, const json&) { return hinge_g(in[0]); });
GANLIB_REGISTER_OP("lsgan_loss", [](const auto& in, const json& a) { return lsgan_loss(in[0], a["real"].get<bool>()); });

// tests/ops/registry_activation.cpp — the ops of tests/reference/cases_activation.py, by name.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

template <class X>
using Elem = typename std::decay_t<X>::value_type::value_type;

GANLIB_REGISTER_OP("relu", [](const auto& in, const json&) { return relu(in[0]); });
GANLIB_REGISTER_OP("leaky_relu", [](const auto& in, const json& a) {
  return leaky_relu(in[0], a["slope"].get<Elem<decltype(in)>>());
});
GANLIB_REGISTER_OP("elu", [](const auto& in, const json& a) {
  return elu(in[0], a["alpha"].get<Elem<decltype(in)>>());
});
GANLIB_REGISTER_OP("softmax", [](const auto& in, const json& a) { return softmax(in[0], a["dim"].get<int64_t>()); });
GANLIB_REGISTER_OP("log_softmax", [](const auto& in, const json& a) {
  return log_softmax(in[0], a["dim"].get<int64_t>());
});

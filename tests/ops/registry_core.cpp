// tests/ops/registry_core.cpp — the core ops of tests/reference/cases_core.py, by name.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

#define BINARY(name, fn) \
  GANLIB_REGISTER_OP(name, [](const auto& in, const json&) { return fn(in[0], in[1]); })
#define UNARY(name, fn) \
  GANLIB_REGISTER_OP(name, [](const auto& in, const json&) { return fn(in[0]); })

BINARY("add", add);
BINARY("sub", sub);
BINARY("mul", mul);
BINARY("div", div);
BINARY("pow", ganlib::pow);
BINARY("maximum", maximum);
BINARY("matmul", matmul);
BINARY("bmm", bmm);
UNARY("neg", neg);
UNARY("exp", ganlib::exp);
UNARY("log", ganlib::log);
UNARY("sqrt", ganlib::sqrt);
UNARY("abs", ganlib::abs);
UNARY("square", square);
UNARY("tanh", ganlib::tanh);
UNARY("sigmoid", sigmoid);
UNARY("softplus", softplus);

template <class X>
using Elem = typename std::decay_t<X>::value_type::value_type;

GANLIB_REGISTER_OP("where", [](const auto& in, const json&) { return where(in[0], in[1], in[2]); });
GANLIB_REGISTER_OP("add_scalar", [](const auto& in, const json& a) {
  return add_scalar(in[0], a["s"].get<Elem<decltype(in)>>());
});
GANLIB_REGISTER_OP("mul_scalar", [](const auto& in, const json& a) {
  return mul_scalar(in[0], a["s"].get<Elem<decltype(in)>>());
});
GANLIB_REGISTER_OP("pow_scalar", [](const auto& in, const json& a) {
  return pow_scalar(in[0], a["p"].get<Elem<decltype(in)>>());
});
GANLIB_REGISTER_OP("clamp", [](const auto& in, const json& a) {
  using T = Elem<decltype(in)>;
  return clamp(in[0], a["lo"].get<T>(), a["hi"].get<T>());
});
GANLIB_REGISTER_OP("sum", [](const auto& in, const json& a) {
  return sum(in[0], a["dims"].get<std::vector<int64_t>>(), a["keepdim"].get<bool>());
});
GANLIB_REGISTER_OP("mean", [](const auto& in, const json& a) {
  return mean(in[0], a["dims"].get<std::vector<int64_t>>(), a["keepdim"].get<bool>());
});
GANLIB_REGISTER_OP("var", [](const auto& in, const json& a) {
  return var(in[0], a["dims"].get<std::vector<int64_t>>(), a["unbiased"].get<bool>(), a["keepdim"].get<bool>());
});
GANLIB_REGISTER_OP("max", [](const auto& in, const json& a) {
  return ganlib::max(in[0], a["dims"].get<std::vector<int64_t>>(), a["keepdim"].get<bool>());
});
GANLIB_REGISTER_OP("min", [](const auto& in, const json& a) {
  return ganlib::min(in[0], a["dims"].get<std::vector<int64_t>>(), a["keepdim"].get<bool>());
});
GANLIB_REGISTER_OP("reshape", [](const auto& in, const json& a) { return reshape(in[0], a["shape"].get<Shape>()); });
GANLIB_REGISTER_OP("permute", [](const auto& in, const json& a) {
  return permute(in[0], a["dims"].get<std::vector<int64_t>>());
});
GANLIB_REGISTER_OP("transpose_reshape", [](const auto& in, const json&) {
  return reshape(transpose(in[0], 0, 1), {2, 6});
});
GANLIB_REGISTER_OP("narrow", [](const auto& in, const json& a) {
  return narrow(in[0], a["dim"].get<int64_t>(), a["start"].get<int64_t>(), a["length"].get<int64_t>());
});
GANLIB_REGISTER_OP("select", [](const auto& in, const json& a) {
  return select(in[0], a["dim"].get<int64_t>(), a["index"].get<int64_t>());
});
GANLIB_REGISTER_OP("expand", [](const auto& in, const json& a) { return expand(in[0], a["shape"].get<Shape>()); });
GANLIB_REGISTER_OP("unsqueeze_squeeze", [](const auto& in, const json&) {
  return squeeze(unsqueeze(unsqueeze(in[0], 1), 0), 0);
});
GANLIB_REGISTER_OP("linear", [](const auto& in, const json&) {
  using TensorT = std::decay_t<decltype(in[0])>;
  return linear(in[0], in[1], in.size() > 2 ? in[2] : TensorT());
});

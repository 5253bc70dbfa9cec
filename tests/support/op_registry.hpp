// tests/support/op_registry.hpp — maps an op name from the sample-input table to the ganlib
// call that computes it, for float (PyTorch parity) and double (gradient checks).
// Contract: each tests/ops/registry_<family>.cpp registers its ops at static-init time with
// GANLIB_REGISTER_OP(name, generic_lambda); the lambda takes (inputs, args) where args is the
// case's JSON options from tests/reference/cases_<family>.py.
#pragma once
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <ganlib/ops.hpp>

namespace ganlib::testing {

using json = nlohmann::json;
template <class T>
using OpFn = std::function<Tensor<T, cpu>(const std::vector<Tensor<T, cpu>>&, const json&)>;

struct OpEntry {
  OpFn<float> f32;
  OpFn<double> f64;
};

inline std::map<std::string, OpEntry>& op_registry() {
  static std::map<std::string, OpEntry> r;
  return r;
}

struct OpRegistrar {
  template <class F>
  OpRegistrar(const std::string& name, F f) {
    op_registry()[name] = OpEntry{OpFn<float>(f), OpFn<double>(f)};
  }
};

// Shape from a JSON array.
inline Shape shape_arg(const json& j) { return j.get<Shape>(); }

}  // namespace ganlib::testing

#define GANLIB_CAT2(a, b) a##b
#define GANLIB_CAT(a, b) GANLIB_CAT2(a, b)
#define GANLIB_REGISTER_OP(name, ...) \
  static ::ganlib::testing::OpRegistrar GANLIB_CAT(ganlib_op_, __LINE__)(name, __VA_ARGS__)

// tests/ops/registry_correlation.cpp — the correlation op of tests/reference/cases_correlation.py.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

GANLIB_REGISTER_OP("correlation", [](const auto& in, const json& a) {
  return correlation(in[0], in[1], a["pad_size"].get<int64_t>(), a["kernel_size"].get<int64_t>(),
                     a["max_displacement"].get<int64_t>(), a["stride1"].get<int64_t>(),
                     a["stride2"].get<int64_t>());
});

// tests/ops/registry_misc.cpp — the ops of tests/reference/cases_misc.py, by name (embedding,
// one_hot, instance-map ops). dropout has no PyTorch twin (its mask is Philox): see errors_misc.cpp.
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

GANLIB_REGISTER_OP("embedding", [](const auto& in, const json&) { return embedding(in[0], in[1]); });
GANLIB_REGISTER_OP("one_hot", [](const auto& in, const json& a) {
  return one_hot(in[0], a["num_classes"].get<int64_t>());
});
GANLIB_REGISTER_OP("instance_avg_pool", [](const auto& in, const json&) { return instance_avg_pool(in[0], in[1]); });
GANLIB_REGISTER_OP("boundary_map", [](const auto& in, const json&) { return boundary_map(in[0]); });

// tests/ops/registry_join.cpp — the ops of tests/reference/cases_join.py, by name. split and
// chunk scale piece i by (i + 1) and concatenate the pieces back (as the reference does).
#include "../support/op_registry.hpp"

using namespace ganlib;
using ganlib::testing::json;

namespace {
template <class TensorT>
TensorT scaled_cat(const std::vector<TensorT>& pieces, int64_t dim) {
  using T = typename TensorT::value_type;
  std::vector<TensorT> scaled;
  for (size_t i = 0; i < pieces.size(); ++i) scaled.push_back(mul_scalar(pieces[i], T(i + 1)));
  return concat(scaled, dim);
}
}  // namespace

GANLIB_REGISTER_OP("concat", [](const auto& in, const json& a) { return concat(in, a["dim"].get<int64_t>()); });
GANLIB_REGISTER_OP("stack", [](const auto& in, const json& a) { return stack(in, a["dim"].get<int64_t>()); });
GANLIB_REGISTER_OP("split", [](const auto& in, const json& a) {
  const auto dim = a["dim"].get<int64_t>();
  return scaled_cat(split(in[0], a["size"].get<int64_t>(), dim), dim);
});
GANLIB_REGISTER_OP("chunk", [](const auto& in, const json& a) {
  const auto dim = a["dim"].get<int64_t>();
  return scaled_cat(chunk(in[0], a["n"].get<int64_t>(), dim), dim);
});

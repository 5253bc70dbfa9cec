// tests/nn/nn_ref.hpp — loads a reference file written by tests/reference/make_nn_refs.py.
// Contract: every tensor becomes a Tensor<double>; meta(key) parses a JSON metadata entry.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <ganlib/io/safetensors.hpp>
#include <ganlib/nn.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace nnref {
using TD = ganlib::Tensor<double, ganlib::cpu>;

struct Ref {
  ganlib::safetensors::File file;
  explicit Ref(const std::string& name)
      : file(ganlib::safetensors::load(std::string(GANLIB_REF_DIR) + "/nn/" + name + ".safetensors")) {}
  bool has(const std::string& k) const { return file.tensors.count(k) > 0; }
  TD operator[](const std::string& k) const {
    auto it = file.tensors.find(k);
    REQUIRE_MESSAGE(it != file.tensors.end(), "reference key missing: " << k);
    return ganlib::from_vector<double, ganlib::cpu>(it->second.to_double(), it->second.shape);
  }
  // Entries "<prefix><key>" with the prefix removed (a state_dict).
  std::map<std::string, TD> dict(const std::string& prefix) const {
    std::map<std::string, TD> d;
    for (auto& [k, e] : file.tensors)
      if (k.rfind(prefix, 0) == 0) d[k.substr(prefix.size())] = (*this)[k];
    return d;
  }
  nlohmann::json meta(const std::string& k) const { return nlohmann::json::parse(file.metadata.at(k)); }
};

inline double max_abs_diff(const TD& a, const TD& b) {
  REQUIRE_MESSAGE(a.shape() == b.shape(), ganlib::to_string(a.shape()) << " vs " << ganlib::to_string(b.shape()));
  const auto va = a.to_vector(), vb = b.to_vector();
  double m = 0;
  for (size_t i = 0; i < va.size(); ++i) m = std::max(m, std::abs(va[i] - vb[i]));
  return m;
}
#define CHECK_CLOSE_T(a, b, tol) CHECK_MESSAGE(nnref::max_abs_diff((a), (b)) < (tol), #a " vs " #b ": max |diff| = " << nnref::max_abs_diff((a), (b)))

template <class M>
std::vector<std::string> names(const M& named) {
  std::vector<std::string> v;
  for (auto& [n, t] : named) v.push_back(n);
  return v;
}
}  // namespace nnref

// nn/sequential.hpp — Sequential: children named "0", "1", ... whose single-input forwards chain.
// Contract: keys are "<index>.<name>", as torch.nn.Sequential; push_back appends the next index.
#pragma once
#include <initializer_list>

#include "module.hpp"

namespace ganlib::nn {

template <class T = float, class B = default_backend>
class Sequential : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  using ModulePtr = std::shared_ptr<Module<T, B>>;

  Sequential() = default;
  Sequential(std::initializer_list<ModulePtr> mods) {
    for (auto& m : mods) push_back(m);
  }
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> m) {
    items_.push_back(m);
    return this->register_module(std::to_string(items_.size() - 1), std::move(m));
  }
  size_t size() const { return items_.size(); }
  const ModulePtr& operator[](size_t i) const {
    GANLIB_CHECK(i < items_.size(), "Sequential: index ", i, " out of range (size ", items_.size(), ")");
    return items_[i];
  }
  std::string type_name() const override { return "Sequential"; }
  TensorT forward(const TensorT& x) override {
    TensorT h = x;
    for (auto& m : items_) h = m->forward(h);
    return h;
  }
  using Module<T, B>::operator();

 private:
  std::vector<ModulePtr> items_;
};

}  // namespace ganlib::nn

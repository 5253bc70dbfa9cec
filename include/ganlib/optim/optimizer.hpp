// optim/optimizer.hpp — what Adam and SGD share: parameter groups with their own options,
// zero_grad, and a flat state dict of tensors ("state.<i>.<name>", i counting parameters
// across groups in order) for checkpoints.
// Contract: step() runs under no_grad and updates parameters in place (versions bumped);
// parameters without a gradient are skipped, as in PyTorch.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "../ops.hpp"

namespace ganlib::optim {

template <class T, class B, class Options>
class Optimizer {
 public:
  using TensorT = Tensor<T, B>;
  using StateDict = std::map<std::string, TensorT>;
  struct Group {
    std::vector<TensorT> params;
    Options opt;
  };

  virtual ~Optimizer() = default;
  virtual void step() = 0;
  virtual std::string name() const = 0;

  // A group with the optimizer's default options (lr overridden when lr > 0).
  void add_param_group(std::vector<TensorT> params, double lr = -1) {
    Options o = defaults_;
    if (lr > 0) o.lr = lr;
    add_param_group(Group{std::move(params), o});
  }
  void add_param_group(Group g) {
    for (auto& p : g.params)
      GANLIB_CHECK(p.defined() && p.requires_grad(), name(), ": a parameter (shape ",
                   p.defined() ? to_string(p.shape()) : std::string("undefined"),
                   ") does not require grad");
    groups_.push_back(std::move(g));
  }
  std::vector<Group>& groups() { return groups_; }
  const Options& defaults() const { return defaults_; }
  double lr(size_t group = 0) const {
    GANLIB_CHECK(group < groups_.size(), name(), ": no parameter group ", group);
    return groups_[group].opt.lr;
  }
  void set_lr(double lr) {
    for (auto& g : groups_) g.opt.lr = lr;
  }
  void set_lr(size_t group, double lr) {
    GANLIB_CHECK(group < groups_.size(), name(), ": no parameter group ", group);
    groups_[group].opt.lr = lr;
  }

  void zero_grad(bool set_to_none = true) {
    no_grad guard;
    for (auto& g : groups_)
      for (auto& p : g.params) {
        TensorT gr = p.grad();
        if (!gr.defined()) continue;
        if (set_to_none) p.set_grad(TensorT());
        else zero_(gr);
      }
  }

  // Per-parameter state tensors (moments, momentum buffers, step counts): detached handles.
  StateDict state_dict() const {
    StateDict d;
    for (auto& [i, slots] : state_)
      for (auto& [k, t] : slots) d["state." + std::to_string(i) + "." + k] = t.detach();
    return d;
  }
  // Restores state saved by state_dict() of an optimizer over the same parameters.
  void load_state_dict(const StateDict& d) {
    std::map<size_t, std::map<std::string, TensorT>> fresh;
    const size_t n = num_params();
    for (auto& [key, t] : d) {
      const auto dot1 = key.find('.'), dot2 = key.find('.', dot1 + 1);
      GANLIB_CHECK(key.rfind("state.", 0) == 0 && dot2 != std::string::npos, name(),
                   ": load_state_dict: unexpected key \"", key, "\"");
      const size_t i = std::stoul(key.substr(dot1 + 1, dot2 - dot1 - 1));
      GANLIB_CHECK(i < n, name(), ": load_state_dict: \"", key, "\" refers to parameter ", i,
                   " but the optimizer has ", n);
      const std::string slot = key.substr(dot2 + 1);
      const Shape want = slot == "step" ? Shape{} : param(i).shape();
      GANLIB_CHECK(t.shape() == want, name(), ": load_state_dict: size mismatch for \"", key,
                   "\": the checkpoint has shape ", to_string(t.shape()), ", expected ", to_string(want));
      fresh[i][slot] = copy_values(t);
    }
    state_ = std::move(fresh);
  }

 protected:
  explicit Optimizer(Options defaults) : defaults_(defaults) {}
  size_t num_params() const {
    size_t n = 0;
    for (auto& g : groups_) n += g.params.size();
    return n;
  }
  const TensorT& param(size_t i) const {
    for (auto& g : groups_) {
      if (i < g.params.size()) return g.params[i];
      i -= g.params.size();
    }
    detail::fail(name(), ": no parameter ", i);
  }
  // Calls fn(index, param, grad, options) for every parameter that has a gradient.
  template <class Fn>
  void for_each_param(Fn&& fn) {
    size_t i = 0;
    for (auto& g : groups_)
      for (auto& p : g.params) {
        const TensorT grad = p.grad();
        if (grad.defined()) fn(i, p, grad, g.opt);
        ++i;
      }
  }
  std::map<size_t, std::map<std::string, TensorT>> state_;
  Options defaults_;
  std::vector<Group> groups_;
};

}  // namespace ganlib::optim

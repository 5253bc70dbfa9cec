// nn/module.hpp — Module: a runtime object owning named parameters, buffers and child modules.
// Contract: everything is registered once, in the constructor, under the name PyTorch's module
// would use, so named_parameters()/state_dict() give the reference's dotted keys ("model.1.weight")
// in the reference's order (a module's parameters, then its buffers, then its children).
// load_state_dict copies values into the registered tensors in place (handles stay valid).
#pragma once
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../ops.hpp"

namespace ganlib::nn {

// What a non-strict load_state_dict skipped.
struct LoadReport {
  std::vector<std::string> missing;     // expected by the module, absent from the dict
  std::vector<std::string> unexpected;  // in the dict, unknown to the module
  bool ok() const { return missing.empty() && unexpected.empty(); }
};

template <class T = float, class B = default_backend>
class Module {
 public:
  using TensorT = Tensor<T, B>;
  using Named = std::vector<std::pair<std::string, TensorT>>;
  using StateDict = std::map<std::string, TensorT>;

  Module() = default;
  virtual ~Module() = default;
  // Registered handles point into this object's tensors; copying a module would share them.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The class name used in messages ("Conv2d", "Sequential", ...).
  virtual std::string type_name() const { return "Module"; }

  // Single-input forward, used by Sequential. Modules with other signatures (a conditional
  // batch norm takes x and c) provide their own overloads and leave this one throwing.
  virtual TensorT forward(const TensorT& x) {
    (void)x;
    detail::fail(type_name(), ": this module has no single-input forward(x); call its own "
                 "forward overload");
  }
  TensorT operator()(const TensorT& x) { return forward(x); }

  // ---- registration (constructor-time) ------------------------------------------------------
  TensorT register_parameter(const std::string& name, TensorT t, bool requires_grad = true) {
    check_new_name(name);
    if (t.requires_grad() != requires_grad) t.requires_grad_(requires_grad);
    params_.emplace_back(name, std::move(t));
    return params_.back().second;  // a handle: copies share the tensor
  }
  TensorT register_buffer(const std::string& name, TensorT t) {
    check_new_name(name);
    buffers_.emplace_back(name, std::move(t));
    return buffers_.back().second;
  }
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    check_new_name(name);
    GANLIB_CHECK(m, type_name(), ": register_module(\"", name, "\") got a null module");
    children_.emplace_back(name, m);
    return m;
  }
  // Removes a parameter (spectral norm replaces "weight" by "weight_orig", as PyTorch does).
  TensorT unregister_parameter(const std::string& name) {
    auto it = std::find_if(params_.begin(), params_.end(), [&](auto& p) { return p.first == name; });
    GANLIB_CHECK(it != params_.end(), type_name(), ": no parameter named \"", name, "\"");
    TensorT t = it->second;
    params_.erase(it);
    return t;
  }

  // ---- introspection ------------------------------------------------------------------------
  Named named_parameters(bool recurse = true) const {
    Named out;
    collect(out, "", recurse, true, false);
    return out;
  }
  Named named_buffers(bool recurse = true) const {
    Named out;
    collect(out, "", recurse, false, true);
    return out;
  }
  std::vector<TensorT> parameters(bool recurse = true) const {
    std::vector<TensorT> out;
    for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
    return out;
  }
  std::vector<TensorT> buffers(bool recurse = true) const {
    std::vector<TensorT> out;
    for (auto& [n, t] : named_buffers(recurse)) out.push_back(t);
    return out;
  }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }
  // Every module below (and including) this one, with dotted names ("" for this one).
  std::vector<std::pair<std::string, Module*>> named_modules() {
    std::vector<std::pair<std::string, Module*>> out{{"", this}};
    for (size_t i = 0; i < out.size(); ++i) {
      auto [prefix, m] = out[i];
      for (auto& [n, c] : m->children_) out.emplace_back(prefix.empty() ? n : prefix + "." + n, c.get());
    }
    return out;
  }
  // Number of parameter elements (trainable only, or all).
  int64_t parameter_count(bool trainable_only = false) const {
    int64_t n = 0;
    for (auto& [name, t] : named_parameters())
      if (!trainable_only || t.requires_grad()) n += t.numel();
    return n;
  }

  // ---- modes --------------------------------------------------------------------------------
  void train(bool on = true) {
    training_ = on;
    for (auto& [n, c] : children_) c->train(on);
  }
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Freezes (false) or unfreezes (true) every parameter below this module.
  void requires_grad_(bool on = true) {
    for (auto& [n, t] : named_parameters()) t.requires_grad_(on);
  }
  // Drops the gradients (set_to_none, PyTorch 2's default) or fills them with zeros.
  void zero_grad(bool set_to_none = true) {
    no_grad guard;
    for (auto& [n, t] : named_parameters()) {
      TensorT g = t.grad();
      if (!g.defined()) continue;
      if (set_to_none) t.set_grad(TensorT());
      else zero_(g);
    }
  }

  // ---- state --------------------------------------------------------------------------------
  // Parameters and buffers by dotted name, as detached handles sharing the module's storage
  // (like PyTorch's state_dict(): no copies; clone them to keep a snapshot).
  StateDict state_dict() const {
    const Named all = named_state();
    return StateDict(all.begin(), all.end());
  }
  // Same, in PyTorch's order.
  Named named_state() const {
    Named all;
    collect(all, "", true, true, true);
    for (auto& [n, t] : all) t = t.detach();
    return all;
  }

  // Copies `dict`'s values into the registered tensors. A wrong shape is always an error (as in
  // PyTorch); missing or unexpected keys are errors when strict, else listed in the report.
  LoadReport load_state_dict(const StateDict& dict, bool strict = true) {
    LoadReport report;
    const Named mine = named_state();
    std::vector<std::string> known;
    for (auto& [name, t] : mine) {
      known.push_back(name);
      auto it = dict.find(name);
      if (it == dict.end()) {
        report.missing.push_back(name);
        continue;
      }
      GANLIB_CHECK(it->second.shape() == t.shape(), "load_state_dict: size mismatch for \"", name,
                   "\": the checkpoint has shape ", to_string(it->second.shape()),
                   ", the module expects ", to_string(t.shape()));
    }
    std::sort(known.begin(), known.end());
    for (auto& [name, t] : dict)
      if (!std::binary_search(known.begin(), known.end(), name)) report.unexpected.push_back(name);
    if (strict && !report.ok()) {
      std::string msg = "load_state_dict: error(s) loading into " + type_name() + ":";
      if (!report.missing.empty()) msg += " missing key(s) " + join(report.missing) + ";";
      if (!report.unexpected.empty()) msg += " unexpected key(s) " + join(report.unexpected) + ";";
      detail::fail(msg);
    }
    no_grad guard;
    for (auto& [name, t] : mine) {
      auto it = dict.find(name);
      if (it == dict.end()) continue;
      TensorT dst = t;
      if (!dst.same_storage(it->second) || dst.offset() != it->second.offset()) copy_(dst, it->second);
    }
    return report;
  }

  // Copies this module's parameters and buffers into `dst`, a module of the same architecture
  // on backend B2 (build it with the same options, then copy_to it): to<cuda>() per tensor.
  template <class B2>
  void copy_to(Module<T, B2>& dst) const {
    typename Module<T, B2>::StateDict sd;
    for (auto& [n, t] : named_state()) sd[n] = detail::transfer_values<B2>(t);
    dst.load_state_dict(sd);
  }

 protected:
  bool training_ = true;

 private:
  void check_new_name(const std::string& name) const {
    GANLIB_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name(),
                 ": invalid name \"", name, "\" (must be non-empty and contain no '.')");
    auto has = [&](auto& v) {
      return std::any_of(v.begin(), v.end(), [&](auto& p) { return p.first == name; });
    };
    GANLIB_CHECK(!has(params_) && !has(buffers_) && !has(children_), type_name(), ": the name \"",
                 name, "\" is already registered");
  }
  void collect(Named& out, const std::string& prefix, bool recurse, bool params, bool buffers) const {
    if (params)
      for (auto& [n, t] : params_) out.emplace_back(prefix + n, t);
    if (buffers)
      for (auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
    if (recurse)
      for (auto& [n, c] : children_) c->collect(out, prefix + n + ".", true, params, buffers);
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", \"" : "\"") + v[i] + "\"";
    return s;
  }

  Named params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

}  // namespace ganlib::nn

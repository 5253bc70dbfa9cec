// core/tensor.hpp — Tensor<T, Backend>: a strided view onto shared storage, plus the
// autograd fields (requires_grad, grad, the node that made it).
// Contract: copying a Tensor copies a handle (like torch.Tensor); views share storage and
// its version counter. Math lives in ops/ as free functions; the member sugar declared at the
// bottom (x.reshape(...), x.sum(...), ...) is defined there too: include <ganlib/ops.hpp>.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <vector>

#include "../config.hpp"
#include "error.hpp"
#include "half.hpp"
#include "shape.hpp"
#include "storage.hpp"
#include "view.hpp"

namespace ganlib {

template <class T, class B>
struct Node;  // autograd/node.hpp

// Types ops compute in (and autograd records): float and double.
template <class T>
inline constexpr bool is_compute_type_v = std::is_same_v<T, float> || std::is_same_v<T, double>;
// Types a tensor can hold: those, plus the half-precision storage types fp16 and bf16.
template <class T>
inline constexpr bool is_element_type_v = is_compute_type_v<T> || is_half_v<T>;

template <class T, class B>
struct TensorImpl {
  std::shared_ptr<Storage<T, B>> storage;
  Shape shape;
  Strides strides;
  int64_t offset = 0;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<Node<T, B>> grad_fn;
};

template <class T, class B = default_backend>
class Tensor {
  static_assert(is_element_type_v<T>,
                "Tensor<T, B>: T must be float or double, or fp16 / bf16 for half-precision "
                "storage (ops/half.hpp)");

 public:
  using value_type = T;
  using backend = B;

  Tensor() = default;  // an undefined tensor: defined() is false
  explicit Tensor(std::shared_ptr<TensorImpl<T, B>> impl) : impl_(std::move(impl)) {}

  // Uninitialised contiguous tensor.
  static Tensor empty(const Shape& shape) {
    for (auto d : shape)
      GANLIB_CHECK(d >= 0, "Tensor::empty: negative size in shape ", to_string(shape));
    GANLIB_CHECK(shape.size() <= size_t(kMaxRank), "Tensor::empty: rank ", shape.size(),
                 " exceeds the maximum of ", kMaxRank, " (shape ", to_string(shape), ")");
    auto impl = std::make_shared<TensorImpl<T, B>>();
    impl->storage = std::make_shared<Storage<T, B>>(ganlib::numel(shape));
    impl->shape = shape;
    impl->strides = contiguous_strides(shape);
    return Tensor(std::move(impl));
  }

  // A tensor sharing `base`'s storage with another shape/strides/offset (no autograd link).
  static Tensor alias(const Tensor& base, Shape shape, Strides strides, int64_t offset) {
    auto impl = std::make_shared<TensorImpl<T, B>>();
    impl->storage = base.impl_->storage;
    impl->shape = std::move(shape);
    impl->strides = std::move(strides);
    impl->offset = offset;
    return Tensor(std::move(impl));
  }

  // The handle a graph edge keeps of a non-leaf input: shape, strides and grad_fn, but not its
  // storage, so an activation lives only as long as some backward saved it (as in PyTorch).
  // Only the autograd engine reads these; data() on one is an error.
  static Tensor graph_edge(const Tensor& t) {
    auto impl = std::make_shared<TensorImpl<T, B>>();
    impl->shape = t.shape();
    impl->strides = t.strides();
    impl->offset = t.offset();
    impl->requires_grad = t.requires_grad();
    impl->grad_fn = t.grad_fn();
    return Tensor(std::move(impl));
  }

  bool defined() const { return bool(impl_); }
  const Shape& shape() const { return impl().shape; }
  const Strides& strides() const { return impl().strides; }
  int64_t offset() const { return impl().offset; }
  int dim() const { return int(impl().shape.size()); }
  int64_t size(int64_t d) const { return impl().shape[wrap_dim(d, impl().shape.size(), "size")]; }
  int64_t numel() const { return ganlib::numel(impl().shape); }
  bool is_contiguous() const {
    const auto& s = impl().shape;
    const auto c = contiguous_strides(s);
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] != 1 && impl().strides[i] != c[i]) return false;
    return true;
  }

  // Raw element access (the pointer is on the tensor's backend).
  T* data() const {
    GANLIB_CHECK(impl().storage, "data(): this handle is an autograd graph edge, which does not keep "
                 "the tensor's values");
    return impl().storage->data + impl().offset;
  }
  // Strided views are what the elementwise, reduction and view ops compute on: float or double.
  static constexpr bool computes = is_compute_type_v<T>;
  View<T> view() const {
    static_assert(computes, "this op computes on float or double tensors; an fp16/bf16 tensor is "
                  "storage: convert it with to_float() (ops/half.hpp), or use the half ops there "
                  "(conv2d, conv_transpose2d, matmul, linear)");
    return {data(), shape(), strides()};
  }
  View<const T> cview() const {
    static_assert(computes, "this op computes on float or double tensors; an fp16/bf16 tensor is "
                  "storage: convert it with to_float() (ops/half.hpp), or use the half ops there "
                  "(conv2d, conv_transpose2d, matmul, linear)");
    return {data(), shape(), strides()};
  }
  // Same, but with `to` as the shape: size-1 or missing leading dims get stride 0.
  View<const T> broadcast_view(const Shape& to) const {
    static_assert(computes, "this op computes on float or double tensors; convert fp16/bf16 "
                  "tensors with to_float() (ops/half.hpp)");
    View<const T> v{data(), to, Strides(to.size(), 0)};
    const size_t lead = to.size() - shape().size();
    for (size_t i = 0; i < shape().size(); ++i)
      v.strides[lead + i] = shape()[i] == 1 ? 0 : strides()[i];
    return v;
  }

  // Autograd state.
  bool requires_grad() const { return impl().requires_grad; }
  Tensor& requires_grad_(bool on = true) {
    if constexpr (is_half_v<T>) {
      GANLIB_CHECK(!on, "requires_grad_: a half-precision tensor holds values without gradients; "
                   "train in float under amp::Autocast (half operands inside conv and matmul)");
    } else {
      GANLIB_CHECK(!on || !impl().grad_fn, "requires_grad_: only a leaf tensor (one not made by an "
                   "op) can be marked; call detach() first");
      impl().requires_grad = on;
    }
    return *this;
  }
  bool is_leaf() const { return !impl().grad_fn; }
  Tensor grad() const { return impl().grad ? Tensor(impl().grad) : Tensor(); }
  void set_grad(const Tensor& g) { impl().grad = g.impl_; }
  const std::shared_ptr<Node<T, B>>& grad_fn() const { return impl().grad_fn; }
  void set_grad_fn(std::shared_ptr<Node<T, B>> fn) {
    impl().grad_fn = std::move(fn);
    impl().requires_grad = true;
  }
  uint64_t version() const { return impl().storage->version; }
  void bump_version() const { ++impl().storage->version; }
  bool same_storage(const Tensor& o) const { return impl().storage == o.impl().storage; }
  const TensorImpl<T, B>* id() const { return impl_.get(); }
  // True when this handle is the only one on a whole, contiguous buffer of its own: no other
  // tensor or view shares the values and no graph links it. The autograd engine adopts such a
  // gradient as a leaf's .grad instead of copying it (as PyTorch's AccumulateGrad does).
  bool sole_owner() const {
    const TensorImpl<T, B>& i = impl();
    return impl_.use_count() == 1 && i.storage && i.storage.use_count() == 1 && !i.grad_fn &&
           !i.requires_grad && !i.grad && i.offset == 0 && i.storage->size == numel() &&
           is_contiguous();
  }

  // Shares storage, cut from the graph.
  Tensor detach() const { return alias(*this, shape(), strides(), offset()); }

  // Host copies.
  std::vector<T> to_vector() const;  // ops/factory.hpp
  T item() const;                    // ops/factory.hpp

  // Autograd entry point (autograd/engine.hpp).
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;

  // Member sugar over ops/ (defined there).
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor reshape(const Shape& s) const;
  Tensor view_as_shape(const Shape& s) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor transpose(int64_t a, int64_t b) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor expand(const Shape& s) const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor sum(const std::vector<int64_t>& dims = {}, bool keepdim = false) const;
  Tensor mean(const std::vector<int64_t>& dims = {}, bool keepdim = false) const;

 private:
  TensorImpl<T, B>& impl() const {
    GANLIB_CHECK(impl_, "use of an undefined tensor (default-constructed, or a gradient that "
                 "was never computed)");
    return *impl_;
  }
  std::shared_ptr<TensorImpl<T, B>> impl_;
};

}  // namespace ganlib

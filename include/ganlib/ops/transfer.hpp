// ops/transfer.hpp — to<cuda>(t) / to<cpu>(t): a copy of a tensor on another backend, recorded
// so that gradients flow back across the boundary.
// Contract: the result is contiguous; to<B> of a tensor already on B returns it unchanged (as
// torch's .to()). Backward: the gradient is copied back to the source backend and continues
// through the source's own graph (into its leaves' .grad), so a model on the GPU fed from a
// CPU pipeline trains its CPU-side parameters too. That continuation runs once per backward
// pass, with the source graph retained; torch.autograd.grad-style capture does not reach
// tensors on the other side of a transfer.
#pragma once
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../autograd/engine.hpp"
#include "factory.hpp"

namespace ganlib {
namespace detail {
// x's values in a new contiguous tensor on backend To; no autograd.
template <class To, class T, class From>
Tensor<T, To> transfer_values(const Tensor<T, From>& x) {
  const Tensor<T, From> src = x.is_contiguous() ? x : copy_values(x);
  auto y = Tensor<T, To>::empty(x.shape());
  const size_t bytes = size_t(x.numel()) * sizeof(T);
  if constexpr (std::is_same_v<From, cpu>) {
    To::copy_from_host(y.data(), src.data(), bytes);
  } else if constexpr (std::is_same_v<To, cpu>) {
    From::copy_to_host(y.data(), src.data(), bytes);
  } else {  // between two device backends: through the host
    std::vector<T> host(size_t(x.numel()));
    From::copy_to_host(host.data(), src.data(), bytes);
    To::copy_from_host(y.data(), host.data(), bytes);
  }
  return y;
}
}  // namespace detail

template <class To, class T, class From>
Tensor<T, To> to(const Tensor<T, From>& x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (!is_compute_type_v<T>) {
    return detail::transfer_values<To>(x);  // half tensors carry no gradient
  } else {
    auto y = detail::transfer_values<To>(x);
    if (!GradMode::enabled() || !x.requires_grad()) return y;
    // The node has no inputs on To's graph: its backward hands the gradient to From's graph.
    auto node = std::make_shared<Node<T, To>>();
    node->name = std::string("to_") + To::name;
    node->backward = [src = x](const Tensor<T, To>& g) {
      detail::run_backward<T, From>(src, to<From>(g), /*retain_graph=*/true,
                                    /*create_graph=*/GradMode::enabled(), nullptr);
      return std::vector<Tensor<T, To>>{};
    };
    y.set_grad_fn(std::move(node));
    return y;
  }
}

}  // namespace ganlib

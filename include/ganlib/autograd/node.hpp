// autograd/node.hpp — one recorded op: its inputs (edges) and how to push a gradient back.
// Contract: a Node has one output. backward(g) returns one gradient per input (undefined where
// the input needs none). Tensors the backward reads are registered with save() so that an
// in-place change to them after the forward is reported, not silently used.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "../core/tensor.hpp"
#include "grad_mode.hpp"

namespace ganlib {

template <class T, class B>
struct Node {
  static_assert(is_compute_type_v<T>, "autograd records ops on float or double tensors only; an "
                "fp16/bf16 tensor is storage: convert it with to_float() (ops/half.hpp) to compute, "
                "or call the half ops there (conv2d, conv_transpose2d, matmul, linear)");
  using TensorT = Tensor<T, B>;
  using BackwardFn = std::function<std::vector<TensorT>(const TensorT& grad_output)>;

  std::string name;
  std::vector<TensorT> inputs;  // undefined where that input does not require grad
  BackwardFn backward;
  std::vector<std::pair<TensorT, uint64_t>> saved;  // tensor and its version at save time
  bool released = false;

  void check_saved_versions() const {
    for (const auto& [t, v] : saved)
      GANLIB_CHECK(t.version() == v, name, " backward: a tensor saved for the gradient (shape ",
                   to_string(t.shape()), ") was modified in place after the forward (version ",
                   v, " -> ", t.version(), "); use an out-of-place op or clone() it first");
  }
  void release() {
    backward = nullptr;
    saved.clear();
    released = true;
  }
};

// Wires `out` into the graph if grad mode is on and any input requires grad.
// `saved` lists the tensors `fn` reads, for the version check. The node's edges to non-leaf
// inputs keep no values: what backward needs, fn captures.
template <class T, class B>
Tensor<T, B> record(Tensor<T, B> out, const char* name, std::vector<Tensor<T, B>> inputs,
                    typename Node<T, B>::BackwardFn fn, std::vector<Tensor<T, B>> saved = {}) {
  if (!GradMode::enabled()) return out;
  bool any = false;
  for (auto& in : inputs) {
    if (!in.defined() || !in.requires_grad()) in = Tensor<T, B>();
    else {
      any = true;
      if (in.grad_fn()) in = Tensor<T, B>::graph_edge(in);  // leaves stay whole: .grad goes there
    }
  }
  if (!any) return out;
  auto node = std::make_shared<Node<T, B>>();
  node->name = name;
  node->inputs = std::move(inputs);
  node->backward = std::move(fn);
  for (auto& s : saved)
    if (s.defined()) node->saved.emplace_back(s, s.version());
  out.set_grad_fn(std::move(node));
  return out;
}

}  // namespace ganlib

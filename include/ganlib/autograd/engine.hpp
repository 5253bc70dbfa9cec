// autograd/engine.hpp — reverse mode over the recorded graph: Tensor::backward and grad().
// Contract: nodes are visited once each, in reverse topological order found by an iterative
// DFS (no recursion, so deep graphs are safe); gradients reaching a node from several
// consumers are summed before its backward runs; leaf gradients are *added* to .grad.
// Without retain_graph the nodes are released, and a second backward through them is an
// error. With create_graph the backward functions themselves are recorded (double backward).
#pragma once
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "../ops/elementwise.hpp"
#include "node.hpp"

namespace ganlib {
namespace detail {

// When `capture` is given, gradients are returned for exactly those tensors and no .grad is
// touched; otherwise they are added into the .grad of every leaf that requires grad.
template <class T, class B>
std::vector<Tensor<T, B>> run_backward(const Tensor<T, B>& root, Tensor<T, B> seed,
                                       bool retain_graph, bool create_graph,
                                       const std::vector<Tensor<T, B>>* capture) {
  using TensorT = Tensor<T, B>;
  using NodeT = Node<T, B>;
  GANLIB_CHECK(root.requires_grad(), "backward: the tensor (shape ", to_string(root.shape()),
               ") does not require grad and has no grad_fn");
  if (!seed.defined()) {
    GANLIB_CHECK(root.numel() == 1, "backward: called on a non-scalar tensor of shape ",
                 to_string(root.shape()), " without a gradient; pass a gradient of that shape "
                 "or reduce to a scalar first");
    seed = ones_like(root);
  }
  GANLIB_CHECK(seed.shape() == root.shape(), "backward: gradient of shape ",
               to_string(seed.shape()), " does not match the tensor's shape ",
               to_string(root.shape()));
  GradMode::Guard mode(create_graph);

  std::vector<TensorT> captured(capture ? capture->size() : 0);
  auto add_into = [&](TensorT& slot, const TensorT& g) {
    if (!slot.defined()) slot = g;
    else slot = add(slot, g);
  };
  // A gradient arriving at a leaf: into .grad, or into its capture slot.
  auto arrive_leaf = [&](const TensorT& leaf, const TensorT& g) {
    if (capture) {
      for (size_t i = 0; i < capture->size(); ++i)
        if ((*capture)[i].id() == leaf.id()) add_into(captured[i], g);
      return;
    }
    TensorT target = leaf;
    TensorT cur = target.grad();
    // A fresh gradient nobody else holds becomes .grad as it is; anything shared is copied,
    // so later accumulation into .grad cannot write through to another tensor.
    if (!cur.defined()) target.set_grad(create_graph || g.sole_owner() ? g : g.detach().clone());
    else if (create_graph || cur.requires_grad()) target.set_grad(add(cur, g));
    else add_(cur, g);
  };

  if (!root.grad_fn()) {
    arrive_leaf(root, seed);
    return captured;
  }

  // Post-order DFS gives a topological order (inputs before consumers).
  std::vector<NodeT*> order;
  std::unordered_set<NodeT*> seen{root.grad_fn().get()};
  std::vector<std::pair<NodeT*, size_t>> stack{{root.grad_fn().get(), 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      const TensorT& in = node->inputs[next++];
      if (in.defined() && in.grad_fn() && seen.insert(in.grad_fn().get()).second)
        stack.emplace_back(in.grad_fn().get(), 0);
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }

  std::unordered_map<NodeT*, TensorT> grads{{root.grad_fn().get(), seed}};
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    NodeT* node = *it;
    auto found = grads.find(node);
    if (found == grads.end()) continue;
    const TensorT g = found->second;
    grads.erase(found);
    if (capture)  // a captured non-leaf: its gradient is complete now
      for (size_t i = 0; i < capture->size(); ++i)
        if ((*capture)[i].grad_fn().get() == node) add_into(captured[i], g);
    GANLIB_CHECK(!node->released, node->name, " backward: the graph was freed by an earlier "
                 "backward(); pass retain_graph=true the first time to go through it again");
    node->check_saved_versions();
    std::vector<TensorT> in_grads = node->backward(g);
    GANLIB_CHECK(in_grads.size() == node->inputs.size(), node->name, " backward returned ",
                 in_grads.size(), " gradients for ", node->inputs.size(), " inputs");
    for (size_t i = 0; i < in_grads.size(); ++i) {
      const TensorT& in = node->inputs[i];
      if (!in.defined() || !in_grads[i].defined()) continue;
      GANLIB_CHECK(in_grads[i].shape() == in.shape(), node->name, " backward: gradient ", i,
                   " has shape ", to_string(in_grads[i].shape()), " but its input has ",
                   to_string(in.shape()));
      if (in.grad_fn()) add_into(grads[in.grad_fn().get()], in_grads[i]);
      else arrive_leaf(in, in_grads[i]);
    }
    if (!retain_graph) node->release();
  }
  return captured;
}

}  // namespace detail

template <class T, class B>
void Tensor<T, B>::backward(const Tensor& grad, bool retain_graph, bool create_graph) const {
  detail::run_backward<T, B>(*this, grad, retain_graph, create_graph, nullptr);
}

// Gradients of `output` w.r.t. `inputs`, returned rather than added to any .grad (as
// torch.autograd.grad). With create_graph the results are differentiable, so a gradient
// penalty such as R1 can be trained; the graph is then retained by default.
template <class T, class B>
std::vector<Tensor<T, B>> grad(const Tensor<T, B>& output, const std::vector<Tensor<T, B>>& inputs,
                               const Tensor<T, B>& grad_output = Tensor<T, B>(),
                               bool create_graph = false, bool retain_graph = false) {
  for (const auto& in : inputs)
    GANLIB_CHECK(in.requires_grad(), "grad: an input (shape ", to_string(in.shape()),
                 ") does not require grad");
  auto g = detail::run_backward(output, grad_output, retain_graph || create_graph, create_graph,
                                &inputs);
  for (size_t i = 0; i < g.size(); ++i)
    if (!g[i].defined()) g[i] = zeros_like(inputs[i]);
  return g;
}

}  // namespace ganlib

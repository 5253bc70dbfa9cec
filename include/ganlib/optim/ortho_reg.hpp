// optim/ortho_reg.hpp — BigGAN's orthogonal regularisation, applied to gradients directly
// (utils.ortho): for every parameter with >= 2 dims, W = param reshaped to [out, -1],
//   grad += strength · 2 · ((W Wᵀ) ⊙ (1 − I)) · W,
// which is the gradient of strength/2 · ‖W Wᵀ ⊙ (1 − I)‖²_F. classic = true uses (W Wᵀ − I)
// instead (utils.default_ortho, the gradient of strength/2 · ‖W Wᵀ − I‖²_F).
// Contract: runs under no_grad; parameters in `skip` (e.g. G's shared embedding) are left
// alone; a parameter without a gradient gets the term as its gradient.
#pragma once
#include <algorithm>
#include <vector>

#include "../ops.hpp"

namespace ganlib::optim {

template <class T, class B>
void ortho_(const std::vector<Tensor<T, B>>& params, double strength,
            const std::vector<Tensor<T, B>>& skip = {}, bool classic = false) {
  no_grad guard;
  for (auto p : params) {
    if (p.dim() < 2) continue;
    if (std::any_of(skip.begin(), skip.end(), [&](const Tensor<T, B>& s) { return s.id() == p.id(); })) continue;
    const Tensor<T, B> w = reshape(p.detach(), {p.size(0), -1});
    const int64_t n = w.size(0);
    std::vector<T> eye(size_t(n * n), T(0));
    for (int64_t i = 0; i < n; ++i) eye[size_t(i * n + i)] = T(1);
    const Tensor<T, B> I = from_vector<T, B>(eye, {n, n});
    const Tensor<T, B> gram = matmul(w, transpose(w, 0, 1));
    const Tensor<T, B> off = classic ? sub(gram, I) : mul(gram, rsub_scalar(I, T(1)));
    const Tensor<T, B> term = reshape(mul_scalar(matmul(off, w), T(2 * strength)), p.shape());
    Tensor<T, B> g = p.grad();
    if (g.defined()) add_(g, term);
    else p.set_grad(copy_values(term));
  }
}

}  // namespace ganlib::optim

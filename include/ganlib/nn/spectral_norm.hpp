// nn/spectral_norm.hpp — spectral normalisation of a layer's weight: W / σ(W), σ estimated by
// power iteration on W reshaped to a matrix [h, -1] (dim `dim` moved to the front).
// Contract: two bookkeeping styles with the reference's state_dict keys and math.
//  - torch  (torch.nn.utils.spectral_norm): parameter "weight" becomes "weight_orig", buffers
//    "weight_u" [h] and "weight_v" [w]; in train mode n power iterations update u and v in
//    place (no_grad); in eval mode the stored u, v are used as they are; σ = uᵀ W v.
//  - biggan (BigGAN-PyTorch layers.SN, one singular value): "weight" stays, buffers "u0" [1, h]
//    and "sv0" [1]; v = normalize(u W), u = normalize(v Wᵀ) run in every mode but are written
//    back (with sv0 = σ) only in train mode; σ = v Wᵀ uᵀ with the fresh u.
// In both, u and v are constants for autograd: the gradient flows through W only.
#pragma once
#include <limits>
#include <numeric>

#include "module.hpp"

namespace ganlib::nn {

enum class SNStyle { torch, biggan };

struct SpectralNormOptions {
  bool enabled = true;
  int n_power_iterations = 1;
  double eps = 1e-12;  // torch's default; BigGAN uses 1e-8 (launch scripts 1e-6)
  SNStyle style = SNStyle::torch;
  int64_t dim = -1;    // -1: the layer's default (0, or 1 for transposed convolutions)
};

// The spectral-norm state of one weight. Owned by the layer whose weight it normalises.
template <class T, class B>
class SpectralNorm {
 public:
  using TensorT = Tensor<T, B>;

  bool enabled() const { return opts_.enabled; }
  const SpectralNormOptions& options() const { return opts_; }
  TensorT u, v, sv;  // registered buffers (v: torch style only; sv: biggan style only)

  // Registers the buffers on `m` (and renames "weight" to "weight_orig" in torch style).
  void attach(Module<T, B>& m, const TensorT& weight, SpectralNormOptions o, int64_t default_dim,
              Generator& gen) {
    GANLIB_CHECK(!enabled_once_, m.type_name(), ": spectral norm is already applied");
    GANLIB_CHECK(o.n_power_iterations >= 0 && o.eps > 0, m.type_name(),
                 ": spectral norm needs n_power_iterations >= 0 and eps > 0 (got ",
                 o.n_power_iterations, ", ", o.eps, ")");
    if (o.dim < 0) o.dim = default_dim;
    GANLIB_CHECK(o.dim < weight.dim(), m.type_name(), ": spectral norm dim ", o.dim,
                 " is out of range for weight ", to_string(weight.shape()));
    opts_ = o;
    enabled_once_ = true;
    const int64_t h = weight.size(o.dim), w = weight.numel() / h;
    no_grad guard;
    if (o.style == SNStyle::torch) {
      m.unregister_parameter("weight");
      m.register_parameter("weight_orig", weight, weight.requires_grad());
      u = m.register_buffer("weight_u", normalize(randn<T, B>({h}, gen)));
      v = m.register_buffer("weight_v", normalize(randn<T, B>({w}, gen)));
    } else {
      GANLIB_CHECK(o.dim == 0, m.type_name(), ": BigGAN-style spectral norm works on dim 0 only");
      u = m.register_buffer("u0", randn<T, B>({1, h}, gen));
      sv = m.register_buffer("sv0", ones<T, B>({1}));
    }
  }

  // W / σ(W). Power iterations update the buffers only when `training`.
  TensorT normalized(const TensorT& weight, bool training) {
    const TensorT wmat = as_matrix(weight);
    if (opts_.style == SNStyle::torch) {
      if (training) {
        no_grad guard;
        const TensorT wd = wmat.detach();
        for (int i = 0; i < opts_.n_power_iterations; ++i) {
          copy_(v, normalize(reshape(matmul(transpose(wd, 0, 1), reshape(u, {-1, 1})), {-1})));
          copy_(u, normalize(reshape(matmul(wd, reshape(v, {-1, 1})), {-1})));
        }
      }
      // u, v are read as constants (clones, so the next in-place update is not an error).
      const TensorT uc = copy_values(u), vc = copy_values(v);
      const TensorT sigma = reshape(matmul(reshape(uc, {1, -1}), matmul(wmat, reshape(vc, {-1, 1}))), {});
      return div(weight, sigma);
    }
    TensorT u_new, v_new;
    {
      no_grad guard;
      const TensorT wd = wmat.detach();
      TensorT uu = u;
      const int iters = training ? std::max(1, opts_.n_power_iterations) : 1;
      for (int i = 0; i < iters; ++i) {
        v_new = normalize_rows(matmul(uu, wd));                  // [1, w]
        u_new = normalize_rows(matmul(v_new, transpose(wd, 0, 1)));  // [1, h]
        if (training) copy_(u, u_new);
        uu = u_new;
      }
    }
    const TensorT sigma = reshape(matmul(matmul(v_new, transpose(wmat, 0, 1)), transpose(u_new, 0, 1)), {});
    if (training) {
      no_grad guard;
      copy_(sv, reshape(sigma.detach(), {1}));
    }
    return div(weight, sigma);
  }

 private:
  // W with dim moved to the front, as [h, -1].
  TensorT as_matrix(const TensorT& weight) const {
    TensorT w = weight;
    if (opts_.dim != 0) {
      std::vector<int64_t> perm(size_t(weight.dim()));
      std::iota(perm.begin(), perm.end(), 0);
      perm.erase(perm.begin() + opts_.dim);
      perm.insert(perm.begin(), opts_.dim);
      w = permute(weight, perm);
    }
    return reshape(w, {weight.size(opts_.dim), -1});
  }
  // x / max(||x||, eps), as F.normalize (whole vector / each row of a [1, n] matrix).
  TensorT normalize(const TensorT& x) const {
    const TensorT n = sqrt(sum(square(x)));
    return div(x, clamp(n, T(opts_.eps), std::numeric_limits<T>::max()));
  }
  TensorT normalize_rows(const TensorT& x) const {
    const TensorT n = sqrt(sum(square(x), {1}, true));
    return div(x, clamp(n, T(opts_.eps), std::numeric_limits<T>::max()));
  }

  SpectralNormOptions opts_{false};
  bool enabled_once_ = false;
};

}  // namespace ganlib::nn

namespace ganlib::nn {

// A module with a "weight" (and optional "bias") that spectral norm can wrap.
template <class T = float, class B = default_backend>
class WeightedModule : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  TensorT weight;  // the raw parameter ("weight", or "weight_orig" under torch-style SN)
  TensorT bias;    // undefined when the layer has none
  SpectralNorm<T, B> sn;

  // The weight the forward uses: W, or W / σ(W) under spectral norm (updating u in train mode).
  TensorT effective_weight() { return sn.enabled() ? sn.normalized(weight, this->training_) : weight; }

  // As torch.nn.utils.spectral_norm(module) (or BigGAN's SN with style = biggan).
  void apply_spectral_norm(SpectralNormOptions o = {}, Generator& gen = default_generator()) {
    if (o.enabled) sn.attach(*this, weight, o, spectral_norm_dim(), gen);
  }

 protected:
  virtual int64_t spectral_norm_dim() const { return 0; }
};

// Wraps a layer in spectral norm and hands it back: `auto c = spectral_norm(make_shared<Conv2d<>>(...))`.
template <class M>
std::shared_ptr<M> spectral_norm(std::shared_ptr<M> m, SpectralNormOptions o = {},
                                 Generator& gen = default_generator()) {
  m->apply_spectral_norm(o, gen);
  return m;
}

}  // namespace ganlib::nn

// nn/norm.hpp — BatchNorm2d, InstanceNorm2d and BigGAN's class-conditional batch norm (ccbn).
// Contract: keys and buffers as PyTorch: "weight", "bias" (affine), "running_mean",
// "running_var", "num_batches_tracked" (track_running_stats; a T-typed counter here, int64 in
// PyTorch). BatchNorm2d uses batch statistics in train mode and running ones in eval mode;
// momentum < 0 means PyTorch's momentum=None (cumulative average 1/num_batches_tracked).
// ConditionalBatchNorm: "gain.weight", "bias.weight" (bias-free linears, optionally
// spectrally normalised) and buffers "stored_mean", "stored_var", as BigGAN's layers.ccbn.
#pragma once
#include "../ops/norm.hpp"
#include "linear.hpp"

namespace ganlib::nn {

struct BatchNormOptions {
  int64_t num_features = 0;
  double eps = 1e-5;
  double momentum = 0.1;  // < 0: cumulative moving average (PyTorch's momentum=None)
  bool affine = true;
  bool track_running_stats = true;
};

namespace detail {
// Registers PyTorch's _NormBase parameters and buffers in its order.
template <class T, class B>
void register_norm_state(Module<T, B>& m, const BatchNormOptions& o, Tensor<T, B>& w, Tensor<T, B>& b,
                         Tensor<T, B>& rm, Tensor<T, B>& rv, Tensor<T, B>& nbt) {
  GANLIB_CHECK(o.num_features > 0, m.type_name(), ": num_features must be positive, got ", o.num_features);
  if (o.affine) {
    w = m.register_parameter("weight", ones<T, B>({o.num_features}));
    b = m.register_parameter("bias", zeros<T, B>({o.num_features}));
  }
  if (o.track_running_stats) {
    rm = m.register_buffer("running_mean", zeros<T, B>({o.num_features}));
    rv = m.register_buffer("running_var", ones<T, B>({o.num_features}));
    nbt = m.register_buffer("num_batches_tracked", zeros<T, B>({}));
  }
}
}  // namespace detail

template <class T = float, class B = default_backend>
class BatchNorm2d : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  TensorT weight, bias, running_mean, running_var, num_batches_tracked;

  explicit BatchNorm2d(int64_t num_features) : BatchNorm2d(BatchNormOptions{num_features}) {}
  explicit BatchNorm2d(BatchNormOptions o) : opts_(o) {
    detail::register_norm_state(*this, o, weight, bias, running_mean, running_var, num_batches_tracked);
  }
  std::string type_name() const override { return "BatchNorm2d"; }
  const BatchNormOptions& options() const { return opts_; }

  TensorT forward(const TensorT& x) override {
    GANLIB_CHECK(x.dim() == 4, "BatchNorm2d: expects input [N, C, H, W], got ", to_string(x.shape()));
    const bool batch_stats = this->training_ || !opts_.track_running_stats;
    double momentum = opts_.momentum;
    if (this->training_ && opts_.track_running_stats) {
      no_grad guard;
      add_scalar_inplace(num_batches_tracked);
      if (momentum < 0) momentum = 1.0 / double(num_batches_tracked.item());
    }
    // Eval without running stats: batch statistics, nothing to update (running_* undefined).
    return batch_norm(x, running_mean, running_var, weight, bias, batch_stats, momentum, opts_.eps);
  }
  using Module<T, B>::operator();

 private:
  static void add_scalar_inplace(TensorT& t) { copy_(t, map_unary(Unary::add_scalar, t, T(1))); }
  BatchNormOptions opts_;
};

// InstanceNorm2d: affine and track_running_stats both default to false (as PyTorch and
// pix2pixHD's `instance` norm). With running stats, eval mode normalises with them.
template <class T = float, class B = default_backend>
class InstanceNorm2d : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  TensorT weight, bias, running_mean, running_var, num_batches_tracked;

  explicit InstanceNorm2d(int64_t num_features, bool affine = false, bool track_running_stats = false)
      : InstanceNorm2d(BatchNormOptions{num_features, 1e-5, 0.1, affine, track_running_stats}) {}
  explicit InstanceNorm2d(BatchNormOptions o) : opts_(o) {
    detail::register_norm_state(*this, o, weight, bias, running_mean, running_var, num_batches_tracked);
  }
  std::string type_name() const override { return "InstanceNorm2d"; }
  TensorT forward(const TensorT& x) override {
    GANLIB_CHECK(x.dim() == 4, "InstanceNorm2d: expects input [N, C, H, W], got ", to_string(x.shape()));
    const bool use_input_stats = this->training_ || !opts_.track_running_stats;
    return instance_norm(x, running_mean, running_var, weight, bias, use_input_stats,
                         opts_.momentum < 0 ? 0.1 : opts_.momentum, opts_.eps);
  }
  using Module<T, B>::operator();

 private:
  BatchNormOptions opts_;
};

struct ConditionalBatchNormOptions {
  int64_t num_features = 0;  // C of the normalised input (BigGAN's output_size)
  int64_t cond_dim = 0;      // length of the conditioning vector c (BigGAN's input_size)
  double eps = 1e-5;
  double momentum = 0.1;
  SpectralNormOptions sn{false};  // BigGAN: SNLinear with style biggan, eps 1e-6
  Generator* gen = nullptr;
};

// y = BN(x) · (1 + gain(c)) + bias(c), BN without affine, per-sample gain/bias [N, C, 1, 1].
template <class T = float, class B = default_backend>
class ConditionalBatchNorm : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  TensorT stored_mean, stored_var;
  std::shared_ptr<Linear<T, B>> gain, bias;

  explicit ConditionalBatchNorm(ConditionalBatchNormOptions o) : opts_(o) {
    GANLIB_CHECK(o.num_features > 0 && o.cond_dim > 0, "ConditionalBatchNorm: num_features and cond_dim "
                 "must be positive (got ", o.num_features, ", ", o.cond_dim, ")");
    stored_mean = this->register_buffer("stored_mean", zeros<T, B>({o.num_features}));
    stored_var = this->register_buffer("stored_var", ones<T, B>({o.num_features}));
    const LinearOptions lo{o.cond_dim, o.num_features, false, o.sn, o.gen};
    gain = this->register_module("gain", std::make_shared<Linear<T, B>>(lo));
    bias = this->register_module("bias", std::make_shared<Linear<T, B>>(lo));
  }
  std::string type_name() const override { return "ConditionalBatchNorm"; }

  TensorT forward(const TensorT& x, const TensorT& c) {
    GANLIB_CHECK(x.dim() == 4 && c.dim() == 2 && c.size(0) == x.size(0), "ConditionalBatchNorm: expects "
                 "x [N, C, H, W] and c [N, cond_dim], got ", to_string(x.shape()), " and ", to_string(c.shape()));
    const Shape s{x.size(0), opts_.num_features, 1, 1};
    const TensorT g = reshape(add_scalar(gain->forward(c), T(1)), s);
    const TensorT b = reshape(bias->forward(c), s);
    const TensorT h = batch_norm(x, stored_mean, stored_var, TensorT(), TensorT(), this->training_,
                                 opts_.momentum, opts_.eps);
    return add(mul(h, g), b);
  }
  using Module<T, B>::forward;

 private:
  ConditionalBatchNormOptions opts_;
};

}  // namespace ganlib::nn

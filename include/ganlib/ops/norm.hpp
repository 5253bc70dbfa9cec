// ops/norm.hpp — batch_norm and instance_norm (NCHW or any [N, C, ...]), as torch.nn.functional.
// Contract: with batch statistics the forward and the plain backward are fused CPU kernels
// (backend/cpu/norm.hpp); when the backward is itself recorded (create_graph) it is rebuilt from
// mean/var ops, so double backward works. Running statistics are updated in place, unrecorded.
#pragma once
#include "reduce.hpp"

namespace ganlib {
namespace detail {

// x seen as [A, C, L]: statistics per channel c over (A, L). Weight and bias (size Cw) apply to
// channel c % Cw; instance norm has A = 1, C = N·Cw.
struct NormGeom {
  int64_t A = 1, C = 1, L = 1, Cw = 1;
};

template <class T, class B>
Tensor<T, B> contiguous_raw(const Tensor<T, B>& x) {
  return x.is_contiguous() ? x : copy_values(x);
}

// [Cw] → [1, C, 1], repeating over the C / Cw groups (recorded, so its gradient folds back).
template <class T, class B>
Tensor<T, B> per_channel(const Tensor<T, B>& w, const NormGeom& g) {
  if (g.Cw == g.C) return reshape(w, {1, g.C, 1});
  return reshape(expand(reshape(w, {1, g.Cw}), {g.C / g.Cw, g.Cw}), {1, g.C, 1});
}

// Sum of a per-channel [C] tensor over the C / Cw groups → [Cw] (unrecorded).
template <class T, class B>
Tensor<T, B> fold_groups(const Tensor<T, B>& v, const NormGeom& g) {
  if (g.Cw == g.C) return v;
  const auto r = reduce_raw(Reduce::sum, reshape(v.detach(), {g.C / g.Cw, g.Cw}), {0}, "norm");
  return Tensor<T, B>::alias(r, {g.Cw}, {1}, r.offset());
}

// The normalisation backward written with recorded ops (used when create_graph is on).
template <class T, class B>
Grads<T, B> norm_backward_composed(const Tensor<T, B>& x, const Tensor<T, B>& w, const Tensor<T, B>& gy,
                                   const NormGeom& g, T eps, bool gx_on, bool gw_on, bool gb_on) {
  const auto xs = reshape(x, {g.A, g.C, g.L});
  const auto g3 = reshape(gy, {g.A, g.C, g.L});
  const auto xc = sub(xs, mean(xs, {0, 2}, true));
  const auto invstd = pow_scalar(add_scalar(mean(square(xc), {0, 2}, true), eps), T(-0.5));
  const auto xhat = mul(xc, invstd);
  Grads<T, B> out(3);
  if (gx_on) {
    const auto gxhat = w.defined() ? mul(g3, per_channel(w, g)) : g3;
    const auto inner = sub(sub(gxhat, mean(gxhat, {0, 2}, true)),
                           mul(xhat, mean(mul(gxhat, xhat), {0, 2}, true)));
    out[0] = reshape(mul(invstd, inner), x.shape());
  }
  const auto fold = [&](const Tensor<T, B>& v) {  // [C] → [Cw], recorded
    return g.Cw == g.C ? v : sum(reshape(v, {g.C / g.Cw, g.Cw}), {0});
  };
  if (gw_on) out[1] = fold(sum(mul(g3, xhat), {0, 2}));
  if (gb_on) out[2] = fold(sum(g3, {0, 2}));
  return out;
}

// y = x̂·w + b with x̂ normalised by the statistics of x itself; mean and biased var per
// channel ([C]) are returned for the running-statistics update.
template <class T, class B>
Tensor<T, B> norm_batch_stats(const Tensor<T, B>& x, const Tensor<T, B>& weight, const Tensor<T, B>& bias,
                              const NormGeom& g, T eps, const char* name, Tensor<T, B>& mean_out,
                              Tensor<T, B>& var_out) {
  const auto xc = contiguous_raw(x);
  const auto wc = weight.defined() ? contiguous_raw(weight) : Tensor<T, B>();
  const auto bc = bias.defined() ? contiguous_raw(bias) : Tensor<T, B>();
  auto mu = Tensor<T, B>::empty({g.C}), var = Tensor<T, B>::empty({g.C});
  kernels::norm_stats(B{}, xc.data(), g.A, g.C, g.L, mu.data(), var.data());
  const auto invstd = map_unary(Unary::pow_scalar, map_unary(Unary::add_scalar, var, eps), T(-0.5));
  auto y = Tensor<T, B>::empty(x.shape());
  kernels::norm_forward(B{}, xc.data(), g.A, g.C, g.L, mu.data(), invstd.data(),
                        wc.defined() ? wc.data() : nullptr, bc.defined() ? bc.data() : nullptr, g.Cw,
                        y.data());
  mean_out = mu;
  var_out = var;
  const bool gx_on = x.requires_grad(), gw_on = weight.defined() && weight.requires_grad(),
             gb_on = bias.defined() && bias.requires_grad();
  return record(y, name, {x, weight, bias},
                [x, xc, weight, wc, mu, invstd, g, eps, gx_on, gw_on, gb_on](const Tensor<T, B>& gy) {
    if (GradMode::enabled())  // the backward is being recorded: build it from ops
      return norm_backward_composed(x, weight, gy, g, eps, gx_on, gw_on, gb_on);
    const auto gyc = contiguous_raw(gy);
    auto gx = gx_on ? Tensor<T, B>::empty(x.shape()) : Tensor<T, B>();
    auto sum_gy = Tensor<T, B>::empty({g.C}), sum_gy_xhat = Tensor<T, B>::empty({g.C});
    kernels::norm_backward(B{}, xc.data(), gyc.data(), g.A, g.C, g.L, mu.data(), invstd.data(),
                           wc.defined() ? wc.data() : nullptr, g.Cw, gx_on ? gx.data() : nullptr,
                           sum_gy.data(), sum_gy_xhat.data());
    return Grads<T, B>{gx, gw_on ? fold_groups(sum_gy_xhat, g) : Tensor<T, B>(),
                       gb_on ? fold_groups(sum_gy, g) : Tensor<T, B>()};
  }, {x, weight});
}

// y = (x − rm)/√(rv + eps)·w + b with fixed statistics (eval mode): plain recorded ops.
template <class T, class B>
Tensor<T, B> norm_fixed_stats(const Tensor<T, B>& x, const Tensor<T, B>& rm, const Tensor<T, B>& rv,
                              const Tensor<T, B>& weight, const Tensor<T, B>& bias, const NormGeom& g,
                              T eps) {
  const auto invstd = map_unary(Unary::pow_scalar, map_unary(Unary::add_scalar, rv, eps), T(-0.5));
  const auto mean3 = reshape(per_channel(rm.detach(), g), {1, g.C, 1});
  const auto xs = reshape(x, {g.A, g.C, g.L});
  auto y = mul(sub(xs, mean3), per_channel(invstd, g));
  if (weight.defined()) y = mul(y, per_channel(weight, g));
  if (bias.defined()) y = add(y, per_channel(bias, g));
  return reshape(y, x.shape());
}

// running ← (1 − momentum)·running + momentum·batch, batch folded from [C] to [Cw] by
// averaging over the groups (instance norm averages the per-instance statistics over N).
template <class T, class B>
void update_running(Tensor<T, B> running, const Tensor<T, B>& batch, const NormGeom& g, T momentum,
                    T batch_scale) {
  no_grad guard;
  const auto folded = map_unary(Unary::mul_scalar, fold_groups(batch, g), batch_scale * T(g.Cw) / T(g.C));
  const auto updated = map_binary(Binary::add, map_unary(Unary::mul_scalar, running, T(1) - momentum),
                                  map_unary(Unary::mul_scalar, folded, momentum), "running stats");
  copy_(running, updated);
}

template <class T, class B>
void check_param(const Tensor<T, B>& p, const char* what, const Tensor<T, B>& x, int64_t C,
                 const char* op) {
  if (!p.defined()) return;
  GANLIB_CHECK(p.shape() == Shape{C}, op, ": input ", to_string(x.shape()), " has ", C,
               " channels but ", what, " has shape ", to_string(p.shape()));
}

}  // namespace detail

// Batch normalisation of x [N, C, ...] per channel. Training: batch statistics (biased
// variance to normalise, unbiased for running_var, as PyTorch), running stats (if given)
// updated in place. Eval: running_mean / running_var. weight and bias are optional.
template <class T, class B>
Tensor<T, B> batch_norm(const Tensor<T, B>& x, Tensor<T, B> running_mean, Tensor<T, B> running_var,
                        const Tensor<T, B>& weight, const Tensor<T, B>& bias, bool training,
                        double momentum = 0.1, double eps = 1e-5) {
  GANLIB_CHECK(x.dim() >= 2, "batch_norm: input ", to_string(x.shape()), " needs at least 2 dims [N, C, ...]");
  const int64_t C = x.shape()[1];
  detail::check_param(running_mean, "running_mean", x, C, "batch_norm");
  detail::check_param(running_var, "running_var", x, C, "batch_norm");
  detail::check_param(weight, "weight", x, C, "batch_norm");
  detail::check_param(bias, "bias", x, C, "batch_norm");
  GANLIB_CHECK(running_mean.defined() == running_var.defined(),
               "batch_norm: give both running_mean and running_var, or neither");
  detail::NormGeom g{x.shape()[0], C, x.numel() / std::max<int64_t>(1, x.shape()[0] * C), C};
  if (!training) {
    GANLIB_CHECK(running_mean.defined(), "batch_norm: eval mode (training = false) needs running_mean and running_var");
    return detail::norm_fixed_stats(x, running_mean, running_var, weight, bias, g, T(eps));
  }
  const int64_t n = g.A * g.L;
  GANLIB_CHECK(n > 1, "batch_norm: expected more than 1 value per channel when training, got input ",
               to_string(x.shape()));
  Tensor<T, B> mu, var;
  auto y = detail::norm_batch_stats(x, weight, bias, g, T(eps), "batch_norm", mu, var);
  if (running_mean.defined()) {
    detail::update_running(running_mean, mu, g, T(momentum), T(1));
    detail::update_running(running_var, var, g, T(momentum), T(double(n) / double(n - 1)));
  }
  return y;
}

// Instance normalisation of x [N, C, spatial...]: statistics per (n, c). Running stats (if
// given) get the batch average of the per-instance statistics; use_input_stats = false
// normalises with them instead (as F.instance_norm). weight/bias optional (affine).
template <class T, class B>
Tensor<T, B> instance_norm(const Tensor<T, B>& x, Tensor<T, B> running_mean = Tensor<T, B>(),
                           Tensor<T, B> running_var = Tensor<T, B>(), const Tensor<T, B>& weight = Tensor<T, B>(),
                           const Tensor<T, B>& bias = Tensor<T, B>(), bool use_input_stats = true,
                           double momentum = 0.1, double eps = 1e-5) {
  GANLIB_CHECK(x.dim() >= 3, "instance_norm: input ", to_string(x.shape()),
               " needs at least 3 dims [N, C, spatial...]");
  const int64_t N = x.shape()[0], C = x.shape()[1];
  detail::check_param(running_mean, "running_mean", x, C, "instance_norm");
  detail::check_param(running_var, "running_var", x, C, "instance_norm");
  detail::check_param(weight, "weight", x, C, "instance_norm");
  detail::check_param(bias, "bias", x, C, "instance_norm");
  GANLIB_CHECK(running_mean.defined() == running_var.defined(),
               "instance_norm: give both running_mean and running_var, or neither");
  detail::NormGeom g{1, N * C, x.numel() / std::max<int64_t>(1, N * C), C};
  if (!use_input_stats) {
    GANLIB_CHECK(running_mean.defined(), "instance_norm: use_input_stats = false needs running_mean and running_var");
    return detail::norm_fixed_stats(x, running_mean, running_var, weight, bias, g, T(eps));
  }
  GANLIB_CHECK(g.L > 1, "instance_norm: expected more than 1 spatial element per channel, got input ",
               to_string(x.shape()));
  Tensor<T, B> mu, var;
  auto y = detail::norm_batch_stats(x, weight, bias, g, T(eps), "instance_norm", mu, var);
  if (running_mean.defined()) {
    detail::update_running(running_mean, mu, g, T(momentum), T(1));
    detail::update_running(running_var, var, g, T(momentum), T(double(g.L) / double(g.L - 1)));
  }
  return y;
}

}  // namespace ganlib

// backend/cpu/amp.hpp — autocast's convolutions and matrix products on the CPU (amp/autocast.hpp).
// Contract: the same signatures as the fp32 kernels plus a Precision; operands are rounded to p
// into scratch copies (the inputs are not touched), the fp32 kernel runs, and a convolution's
// output is rounded to p before the fp32 bias is added: the numbers the CUDA backend computes
// with half storage and fp32 accumulation, up to summation order. This is for testing
// mixed-precision training without a GPU; it is slower than fp32, not faster.
#pragma once
#include <algorithm>
#include <cstdint>

#include "../../core/half.hpp"
#include "../geometry.hpp"
#include "conv.hpp"
#include "gemm.hpp"
#include "scratch.hpp"
#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib::cpu_detail {

// dst[i] = round_to(p, src[i]) for i < n (dst may be src).
inline void round_copy(Precision p, const float* src, float* dst, int64_t n) {
  parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = half::round_to(p, src[i]);
  });
}

// The rounded copy of an operand of n elements, kept alive by `buf`.
inline const float* rounded(Precision p, const float* src, int64_t n, Scratch<float>& buf) {
  round_copy(p, src, buf.data, n);
  return buf.data;
}


}  // namespace ganlib::cpu_detail

namespace ganlib::kernels {

inline void conv2d_forward_amp(cpu, Precision p, const Conv2dGeom& g, const float* x, const float* w,
                               const float* bias, float* y) {
  using namespace cpu_detail;
  const int64_t nx = g.N * g.C * g.H * g.W, nw = g.K * g.cg() * g.kh * g.kw, ny = g.N * g.K * g.Ho * g.Wo;
  Scratch<float> xs(nx), ws(nw);
  conv2d_forward(cpu{}, g, rounded(p, x, nx, xs), rounded(p, w, nw, ws), static_cast<const float*>(nullptr), y);
  round_copy(p, y, y, ny);
  if (bias) add_channel_bias(cpu{}, y, bias, g.N, g.K, g.hw_out());
}

inline void conv2d_input_grad_amp(cpu, Precision p, const Conv2dGeom& g, const float* gy, const float* w,
                                  float* gx) {
  using namespace cpu_detail;
  const int64_t ngy = g.N * g.K * g.Ho * g.Wo, nw = g.K * g.cg() * g.kh * g.kw, ngx = g.N * g.C * g.H * g.W;
  Scratch<float> gs(ngy), ws(nw);
  conv2d_input_grad(cpu{}, g, rounded(p, gy, ngy, gs), rounded(p, w, nw, ws), gx);
  round_copy(p, gx, gx, ngx);
}

inline void conv2d_weight_grad_amp(cpu, Precision p, const Conv2dGeom& g, const float* x, const float* gy,
                                   float* gw) {
  using namespace cpu_detail;
  const int64_t nx = g.N * g.C * g.H * g.W, ngy = g.N * g.K * g.Ho * g.Wo, nw = g.K * g.cg() * g.kh * g.kw;
  Scratch<float> xs(nx), gs(ngy);
  conv2d_weight_grad(cpu{}, g, rounded(p, x, nx, xs), rounded(p, gy, ngy, gs), gw);
  round_copy(p, gw, gw, nw);
}

// C = alpha·op(A)·op(B) + beta·C with A and B rounded to p; C stays fp32 (cublasGemmEx's
// fp32 output).
inline void gemm_amp(cpu, Precision p, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                     float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                     float* C, int64_t ldc) {
  using namespace cpu_detail;
  const int64_t na = trans_a ? gemm_span(K, M, lda) : gemm_span(M, K, lda);
  const int64_t nb = trans_b ? gemm_span(N, K, ldb) : gemm_span(K, N, ldb);
  Scratch<float> as(na), bs(nb);
  gemm(cpu{}, trans_a, trans_b, M, N, K, alpha, rounded(p, A, na, as), lda, rounded(p, B, nb, bs), ldb, beta,
       C, ldc);
}

}  // namespace ganlib::kernels

// backend/cpu/half.hpp — the kernels of half-precision tensors (Tensor<fp16|bf16, cpu>,
// ops/half.hpp) on the CPU.
// Contract: convert() rounds float to the half format to nearest, ties to even (core/half.hpp)
// and widens half to float exactly. The conv and GEMM kernels widen their half operands into
// fp32 scratch (exact), run the fp32 kernels (fp32 accumulation) and round the result once to
// the half format; a bias is added afterwards in fp32 and rounded again, as the CUDA backend
// does (cuDNN/cuBLAS write a half output, then a bias pass). This is the reference the CUDA
// backend is tested against; it is not faster than fp32 on this CPU.
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

namespace ganlib::kernels {

template <class H>
  requires is_half_v<H>
void convert(cpu, const float* src, H* dst, int64_t n) {
  parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = H(src[i]);
  });
}

template <class H>
  requires is_half_v<H>
void convert(cpu, const H* src, float* dst, int64_t n) {
  parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = float(src[i]);
  });
}

// y[n, c, i] = round(y[n, c, i] + bias[c]), the sum taken in fp32.
template <class H>
  requires is_half_v<H>
void add_channel_bias(cpu, H* y, const H* bias, int64_t N, int64_t C, int64_t HW) {
  parallel_for(N * C, 1 + (1 << 14) / std::max<int64_t>(HW, 1), [&](int64_t b, int64_t e) {
    for (int64_t nc = b; nc < e; ++nc) {
      const float add = float(bias[nc % C]);
      H* row = y + nc * HW;
      for (int64_t i = 0; i < HW; ++i) row[i] = H(float(row[i]) + add);
    }
  });
}

}  // namespace ganlib::kernels

namespace ganlib::kernels {

// y = conv2d(x, w) with half x, w, y and fp32 accumulation (no bias: add_channel_bias after).
template <class H>
  requires is_half_v<H>
void conv2d_forward(cpu, const Conv2dGeom& g, const H* x, const H* w, H* y) {
  const int64_t nx = g.N * g.C * g.H * g.W, nw = g.K * g.cg() * g.kh * g.kw, ny = g.N * g.K * g.Ho * g.Wo;
  cpu_detail::Scratch<float> xf(nx), wf(nw), yf(ny);
  convert(cpu{}, x, xf.data, nx);
  convert(cpu{}, w, wf.data, nw);
  conv2d_forward(cpu{}, g, static_cast<const float*>(xf.data), static_cast<const float*>(wf.data),
                 static_cast<const float*>(nullptr), yf.data);
  convert(cpu{}, static_cast<const float*>(yf.data), y, ny);
}

// gx = conv2dᵀ(gy) for weight w (the transposed convolution), half storage, fp32 accumulation.
template <class H>
  requires is_half_v<H>
void conv2d_input_grad(cpu, const Conv2dGeom& g, const H* gy, const H* w, H* gx) {
  const int64_t ngy = g.N * g.K * g.Ho * g.Wo, nw = g.K * g.cg() * g.kh * g.kw, ngx = g.N * g.C * g.H * g.W;
  cpu_detail::Scratch<float> gyf(ngy), wf(nw), gxf(ngx);
  convert(cpu{}, gy, gyf.data, ngy);
  convert(cpu{}, w, wf.data, nw);
  conv2d_input_grad(cpu{}, g, static_cast<const float*>(gyf.data), static_cast<const float*>(wf.data), gxf.data);
  convert(cpu{}, static_cast<const float*>(gxf.data), gx, ngx);
}

// C = op(A)·op(B) (row-major, leading dimensions as gemm.hpp) with half A, B, C and fp32
// accumulation; C is overwritten.
template <class H>
  requires is_half_v<H>
void gemm(cpu, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const H* A, int64_t lda,
          const H* B, int64_t ldb, H* C, int64_t ldc) {
  const int64_t na = trans_a ? gemm_span(K, M, lda) : gemm_span(M, K, lda);
  const int64_t nb = trans_b ? gemm_span(N, K, ldb) : gemm_span(K, N, ldb);
  cpu_detail::Scratch<float> af(na), bf(nb), cf(M * N);
  convert(cpu{}, A, af.data, na);
  convert(cpu{}, B, bf.data, nb);
  gemm(cpu{}, trans_a, trans_b, M, N, K, 1.0f, static_cast<const float*>(af.data), lda,
       static_cast<const float*>(bf.data), ldb, 0.0f, cf.data, N);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = H(cf.data[i * N + j]);
}

}  // namespace ganlib::kernels

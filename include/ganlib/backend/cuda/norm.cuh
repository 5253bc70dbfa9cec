// backend/cuda/norm.cuh — fused batch/instance normalisation on the device: statistics, forward,
// backward.
// Contract: the CPU signatures (backend/cpu/norm.hpp): x contiguous [A, C, L], statistics per
// channel c over (A, L). Hand kernels rather than cuDNN's batch norm: the ops layer passes
// instance norm as [1, N·C, L] with weights repeating every Cw channels, and keeps mean/invstd
// itself. Per-channel sums run in double, two passes for the variance as on the CPU. A channel's
// (A·L) elements are cut into a fixed number of splits; each split is a block-wide tree sum and
// a second kernel adds the splits in order, so results repeat run to run (no atomics).
#pragma once
#include <algorithm>
#include <cstdint>

#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

inline constexpr int kNormThreads = 256;

// Sums NS terms per channel over its elements [s·chunk, (s+1)·chunk) of (A, L); block (c, s)
// writes partial[(c·S + s)·NS + k]. Term(c, off) returns the NS values for element offset off.
template <int NS, class Term>
__global__ void norm_partial_kernel(Term term, int64_t A, int64_t C, int64_t L, int64_t chunk, int S,
                                    double* partial) {
  __shared__ double sh[NS][kNormThreads];
  const int64_t c = blockIdx.x, s = blockIdx.y;
  const int64_t total = A * L, begin = s * chunk;
  const int64_t end = begin + chunk < total ? begin + chunk : total;
  double acc[NS];
#pragma unroll
  for (int k = 0; k < NS; ++k) acc[k] = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const int64_t a = i / L, l = i - a * L;
    double v[NS];
    term(c, (a * C + c) * L + l, v);
#pragma unroll
    for (int k = 0; k < NS; ++k) acc[k] += v[k];
  }
#pragma unroll
  for (int k = 0; k < NS; ++k) sh[k][threadIdx.x] = acc[k];
  __syncthreads();
  for (int w = kNormThreads / 2; w > 0; w >>= 1) {
    if (int(threadIdx.x) < w)
#pragma unroll
      for (int k = 0; k < NS; ++k) sh[k][threadIdx.x] += sh[k][threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0)
#pragma unroll
    for (int k = 0; k < NS; ++k) partial[(c * S + s) * NS + k] = sh[k][0];
}

// Splits per channel: enough blocks for two waves over the SMs, each split at least 16 steps
// of the block long.
inline int norm_splits(int64_t C, int64_t total) {
  const int64_t sms = context().sm_count;
  int64_t S = (2 * sms + C - 1) / std::max<int64_t>(C, 1);
  S = std::min<int64_t>(S, total / (kNormThreads * 16));
  return int(std::clamp<int64_t>(S, 1, 1024));
}

template <int NS, class Term>
void norm_partials(const char* name, const Term& term, int64_t A, int64_t C, int64_t L, int S, double* partial) {
  const int64_t total = A * L;
  const int64_t chunk = (std::max<int64_t>(total, 1) + S - 1) / S;
  norm_partial_kernel<NS><<<dim3{unsigned(C), unsigned(S)}, kNormThreads, 0, stream()>>>(term, A, C, L, chunk, S,
                                                                                         partial);
  check_launch(name);
}

template <class T>
struct SumTerm {
  const T* x;
  __device__ void operator()(int64_t, int64_t off, double (&v)[1]) const { v[0] = double(x[off]); }
};
template <class T>
struct SqDevTerm {
  const T* x;
  const double* mean;
  __device__ void operator()(int64_t c, int64_t off, double (&v)[1]) const {
    const double d = double(x[off]) - mean[c];
    v[0] = d * d;
  }
};
template <class T>
struct BackTerm {
  const T* x;
  const T* g;
  const T* mean;
  __device__ void operator()(int64_t c, int64_t off, double (&v)[2]) const {
    const double gv = double(g[off]);
    v[0] = gv;
    v[1] = gv * (double(x[off]) - double(mean[c]));
  }
};

// mean_d[c] = Σ/n (and mean[c] = T(it)) or var[c] = T(Σ/n), summing the splits in order.
template <class T>
__global__ void norm_finish_kernel(const double* partial, int S, int64_t C, double n, double* mean_d, T* out) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; c < C; c += step) {
    double s = 0;
    for (int k = 0; k < S; ++k) s += partial[c * S + k];
    const double m = s / n;
    if (mean_d) mean_d[c] = m;
    out[c] = T(m);
  }
}

// Per channel: sum_gy, sum_gy_xhat, and the constants of gx = k·gy + k1·x + k0 (as the CPU).
template <class T>
__global__ void norm_back_finish_kernel(const double* partial, int S, int64_t C, double n, const T* mean,
                                        const T* invstd, const T* weight, int64_t Cw, T* sum_gy, T* sum_gy_xhat,
                                        T* k3) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; c < C; c += step) {
    double sg = 0, sgx = 0;
    for (int k = 0; k < S; ++k) {
      sg += partial[(c * S + k) * 2];
      sgx += partial[(c * S + k) * 2 + 1];
    }
    const double is = double(invstd[c]);
    sgx *= is;
    sum_gy[c] = T(sg);
    sum_gy_xhat[c] = T(sgx);
    if (k3) {
      const double kk = is * (weight ? double(weight[c % Cw]) : 1.0);
      const double k1 = -kk * is * sgx / n;
      const double k0 = -kk * sg / n - k1 * double(mean[c]);
      k3[3 * c] = T(kk);
      k3[3 * c + 1] = T(k1);
      k3[3 * c + 2] = T(k0);
    }
  }
}

template <class T>
__global__ void norm_forward_kernel(const T* x, int64_t C, int64_t L, const T* mean, const T* invstd,
                                    const T* weight, const T* bias, int64_t Cw, T* y, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t c = (i / L) % C;
    const T scale = invstd[c] * (weight ? weight[c % Cw] : T(1));
    const T shift = (bias ? bias[c % Cw] : T(0)) - mean[c] * scale;
    y[i] = x[i] * scale + shift;
  }
}

template <class T>
__global__ void norm_gx_kernel(const T* x, const T* g, int64_t C, int64_t L, const T* k3, T* gx, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t c = (i / L) % C;
    gx[i] = k3[3 * c] * g[i] + k3[3 * c + 1] * x[i] + k3[3 * c + 2];
  }
}

// Scratch of `count` elements of V from the caching allocator, for one call.
template <class V>
struct NormScratch {
  V* data = nullptr;
  size_t bytes;
  explicit NormScratch(int64_t count) : bytes(sizeof(V) * size_t(std::max<int64_t>(count, 1))) {
    data = static_cast<V*>(cuda::allocate(bytes));
  }
  ~NormScratch() { cuda::deallocate(data, bytes); }
  NormScratch(const NormScratch&) = delete;
  NormScratch& operator=(const NormScratch&) = delete;
};

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

// mean[c] and biased var[c] over (A, L), two passes in double.
template <class T>
void norm_stats(cuda, const T* x, int64_t A, int64_t C, int64_t L, T* mean, T* var) {
  using namespace cuda_detail;
  if (C == 0) return;
  const double n = double(A * L);
  const int S = norm_splits(C, A * L);
  NormScratch<double> partial(C * S), mean_d(C);
  norm_partials<1>("norm_stats", SumTerm<T>{x}, A, C, L, S, partial.data);
  norm_finish_kernel<T><<<grid_for(C), kThreads, 0, stream()>>>(partial.data, S, C, n, mean_d.data, mean);
  check_launch("norm_stats finish");
  norm_partials<1>("norm_stats", SqDevTerm<T>{x, mean_d.data}, A, C, L, S, partial.data);
  norm_finish_kernel<T><<<grid_for(C), kThreads, 0, stream()>>>(partial.data, S, C, n, nullptr, var);
  check_launch("norm_stats finish");
}

// y = (x − mean[c])·invstd[c]·w[c % Cw] + b[c % Cw]; weight/bias may be null.
template <class T>
void norm_forward(cuda, const T* x, int64_t A, int64_t C, int64_t L, const T* mean, const T* invstd,
                  const T* weight, const T* bias, int64_t Cw, T* y) {
  const int64_t n = A * C * L;
  if (n == 0) return;
  cuda_detail::norm_forward_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                        cuda_detail::stream()>>>(x, C, L, mean, invstd, weight, bias, Cw, y, n);
  cuda_detail::check_launch("norm_forward");
}

// sum_gy[c] = Σ gy, sum_gy_xhat[c] = Σ gy·x̂, and gx = invstd·w·(gy − sum_gy/n − x̂·sum_gy_xhat/n)
// when gx is not null.
template <class T>
void norm_backward(cuda, const T* x, const T* gy, int64_t A, int64_t C, int64_t L, const T* mean,
                   const T* invstd, const T* weight, int64_t Cw, T* gx, T* sum_gy, T* sum_gy_xhat) {
  using namespace cuda_detail;
  if (C == 0) return;
  const double n = double(A * L);
  const int S = norm_splits(C, A * L);
  NormScratch<double> partial(2 * C * S);
  NormScratch<T> k3(gx ? 3 * C : 1);
  norm_partials<2>("norm_backward", BackTerm<T>{x, gy, mean}, A, C, L, S, partial.data);
  norm_back_finish_kernel<T><<<grid_for(C), kThreads, 0, stream()>>>(partial.data, S, C, n, mean, invstd, weight,
                                                                     Cw, sum_gy, sum_gy_xhat,
                                                                     gx ? k3.data : nullptr);
  check_launch("norm_backward finish");
  const int64_t total = A * C * L;
  if (!gx || total == 0) return;
  norm_gx_kernel<T><<<grid_for(total), kThreads, 0, stream()>>>(x, gy, C, L, k3.data, gx, total);
  check_launch("norm_backward gx");
}

}  // namespace ganlib::kernels

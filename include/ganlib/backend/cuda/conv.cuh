// backend/cuda/conv.cuh — 2-D convolution on the device through cuDNN: forward, input gradient
// (also the transposed convolution) and weight gradient, NCHW, contiguous.
// Contract: the CPU signatures (backend/cpu/conv.hpp) with a Conv2dGeom. Per geometry and storage
// type the descriptors are built once and each direction's algorithm is chosen once (timed by
// cudnnFind*AlgorithmEx on the first call's own buffers) and cached; only deterministic
// algorithms are taken, and float runs in full fp32 (CUDNN_FMA_MATH: no TF32), so results repeat
// run to run and stay within fp32 rounding of the CPU. The dnn_* functions also serve the half
// storage types (__half, __nv_bfloat16: tensor-core math, fp32 accumulation) for amp.cuh. Workspace comes from the caching
// allocator. cuDNN errors become ganlib::Error through GANLIB_CUDNN_CHECK; a search inside a CUDA
// graph capture is an error naming the shape. This is cuDNN's
// "legacy" convolution API, deprecated in cuDNN 9 but present in every 9.x.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cudnn.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "../../core/error.hpp"
#include "../geometry.hpp"
#include "context.hpp"
#include "elementwise.cuh"
#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

[[noreturn]] inline void cudnn_fail(cudnnStatus_t s, const char* call, const char* file, int line) {
  char last[512] = {0};
  cudnnGetLastErrorString(last, sizeof(last));
  detail::fail("cudnn: ", call, " failed: ", cudnnGetErrorString(s), last[0] ? " (" : "", last,
               last[0] ? ")" : "", " at ", file, ":", line);
}

}  // namespace ganlib::cuda_detail

#define GANLIB_CUDNN_CHECK(call)                                                  \
  do {                                                                            \
    const cudnnStatus_t ganlib_dnn_ = (call);                                     \
    if (ganlib_dnn_ != CUDNN_STATUS_SUCCESS)                                      \
      ::ganlib::cuda_detail::cudnn_fail(ganlib_dnn_, #call, __FILE__, __LINE__);  \
  } while (0)

namespace ganlib::cuda_detail {

// The one cuDNN handle, on the one stream; created when a convolution first runs.
inline cudnnHandle_t dnn() {
  static cudnnHandle_t h = [] {
    forbid_in_capture("cuDNN initialisation (cudnnCreate, at the first convolution)",
                      "it allocates and synchronises; run the step once eagerly before capture");
    cudnnHandle_t handle = nullptr;
    GANLIB_CUDNN_CHECK(cudnnCreate(&handle));
    GANLIB_CUDNN_CHECK(cudnnSetStream(handle, stream()));
    return handle;
  }();
  return h;
}

// Device scratch from the caching allocator, returned when the scope ends (reuse is ordered on
// the stream after the work queued here).
struct DeviceScratch {
  void* data = nullptr;
  size_t bytes = 0;
  explicit DeviceScratch(size_t n) : bytes(n) {
    if (n) data = cuda::allocate(n);
  }
  ~DeviceScratch() {
    if (data) cuda::deallocate(data, bytes);
  }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;
};

// Descriptors of one geometry and the algorithm chosen for each direction (-1: not chosen yet).
// cuDNN's y is conv2d's natural output size; a transposed conv whose output_padding reaches the
// stride has a geometry whose Ho/Wo are smaller than that, and runs through a zero-padded or
// cropped copy of y (see conv_with_natural_y).
struct ConvPlan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  int64_t Ho = 0, Wo = 0;  // natural output size
  int fwd = -1, bwd_data = -1, bwd_filter = -1;
  size_t fwd_ws = 0, bwd_data_ws = 0, bwd_filter_ws = 0;
};

// How cuDNN stores and computes each storage type: float in full fp32 (no TF32), double as is,
// the half types with fp32 accumulation on tensor cores.
template <class T>
inline constexpr bool is_half_storage_v = std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;
template <class T>
cudnnDataType_t dnn_type() {
  if constexpr (std::is_same_v<T, float>) return CUDNN_DATA_FLOAT;
  else if constexpr (std::is_same_v<T, double>) return CUDNN_DATA_DOUBLE;
  else if constexpr (std::is_same_v<T, __half>) return CUDNN_DATA_HALF;
  else {
    static_assert(std::is_same_v<T, __nv_bfloat16>,
                  "conv (cuda): the storage type must be float, double, __half or __nv_bfloat16");
    return CUDNN_DATA_BFLOAT16;
  }
}
template <class T>
cudnnDataType_t dnn_compute_type() { return is_half_storage_v<T> ? CUDNN_DATA_FLOAT : dnn_type<T>(); }
template <class T>
cudnnMathType_t dnn_math() {
  if constexpr (std::is_same_v<T, float>) return CUDNN_FMA_MATH;
  else if constexpr (is_half_storage_v<T>) return CUDNN_TENSOR_OP_MATH;
  else return CUDNN_DEFAULT_MATH;
}
// cuDNN's alpha/beta are float for float and the half types, double for double.
template <class T>
using dnn_scale_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

inline int to_int(int64_t v, const Conv2dGeom& g) {
  GANLIB_CHECK(v >= 0 && v <= INT_MAX, "conv2d (cuda): size ", v, " exceeds cuDNN's 32-bit limit (input [",
               g.N, ", ", g.C, ", ", g.H, ", ", g.W, "], weight [", g.K, ", ", g.cg(), ", ", g.kh, ", ",
               g.kw, "])");
  return int(v);
}

template <class T>
ConvPlan& conv_plan(const Conv2dGeom& g) {
  using Key = std::array<int64_t, 18>;
  static std::mutex mu;
  static auto* plans = new std::map<Key, ConvPlan>;  // never destroyed (see context.hpp)
  const Key key{g.N, g.C, g.H, g.W, g.K, g.kh, g.kw, g.Ho, g.Wo, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw,
                g.groups, int64_t(sizeof(T)), int64_t(dnn_type<T>())};
  std::lock_guard lock(mu);
  auto it = plans->find(key);
  if (it != plans->end()) return it->second;
  ConvPlan p;
  const cudnnDataType_t dt = dnn_type<T>();
  GANLIB_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p.x));
  GANLIB_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p.y));
  GANLIB_CUDNN_CHECK(cudnnCreateFilterDescriptor(&p.w));
  GANLIB_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&p.conv));
  GANLIB_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p.x, CUDNN_TENSOR_NCHW, dt, to_int(g.N, g), to_int(g.C, g),
                                                to_int(g.H, g), to_int(g.W, g)));
  GANLIB_CUDNN_CHECK(cudnnSetFilter4dDescriptor(p.w, dt, CUDNN_TENSOR_NCHW, to_int(g.K, g), to_int(g.cg(), g),
                                                to_int(g.kh, g), to_int(g.kw, g)));
  GANLIB_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(p.conv, to_int(g.ph, g), to_int(g.pw, g), to_int(g.sh, g),
                                                     to_int(g.sw, g), to_int(g.dh, g), to_int(g.dw, g),
                                                     CUDNN_CROSS_CORRELATION, dnn_compute_type<T>()));
  GANLIB_CUDNN_CHECK(cudnnSetConvolutionGroupCount(p.conv, to_int(g.groups, g)));
  // Full fp32: without FMA math, cuDNN may use TF32 tensor cores for float on Ampere and later.
  GANLIB_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv, dnn_math<T>()));
  int n = 0, c = 0, h = 0, w = 0;
  GANLIB_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(p.conv, p.x, p.w, &n, &c, &h, &w));
  GANLIB_CHECK(h >= g.Ho && w >= g.Wo, "conv2d (cuda): geometry output ", g.Ho, "x", g.Wo,
               " is larger than cuDNN's ", h, "x", w);
  p.Ho = h;
  p.Wo = w;
  GANLIB_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p.y, CUDNN_TENSOR_NCHW, dt, n, c, h, w));
  return plans->emplace(key, p).first->second;
}

// Whether convolutions take only deterministic cuDNN algorithms (the default: bitwise repeatable
// gradients). GANLIB_CUDNN_DETERMINISTIC=0 lets the timed search also take the non-deterministic
// ones, as PyTorch does unless torch.backends.cudnn.deterministic is set. Read once, before the
// first convolution picks its algorithms (they are cached per shape).
inline bool cudnn_deterministic() {
  static const bool on = [] {
    const char* env = std::getenv("GANLIB_CUDNN_DETERMINISTIC");
    return !(env && std::string(env) == "0");
  }();
  return on;
}
inline bool acceptable(cudnnDeterminism_t d) { return d == CUDNN_DETERMINISTIC || !cudnn_deterministic(); }

// Picks the fastest usable result: succeeded, deterministic, workspace within the cap, and (when
// strict_math) reported with FMA math for float. Results come sorted by time. The descriptor
// keeps CUDNN_FMA_MATH whichever result is taken. Returns false when none qualifies.
template <class T, class Perf>
bool pick_algo(const Perf* perf, int count, size_t cap, bool strict_math, int& algo, size_t& ws) {
  for (int i = 0; i < count; ++i) {
    const Perf& r = perf[i];
    if (r.status != CUDNN_STATUS_SUCCESS || !acceptable(r.determinism) || r.memory > cap) continue;
    if (strict_math && std::is_same_v<T, float> && r.mathType != CUDNN_FMA_MATH) continue;
    algo = int(r.algo);
    ws = r.memory;
    return true;
  }
  return false;
}

// The timed results first, then the heuristics' (each with FMA math reported, then any).
template <class T, class Perf>
bool choose_algo(const std::vector<Perf>& timed, int found, const std::vector<Perf>& heur, int got, size_t cap,
                 int& algo, size_t& ws) {
  for (bool strict : {true, false})
    if (pick_algo<T>(timed.data(), found, cap, strict, algo, ws) || pick_algo<T>(heur.data(), got, cap, strict, algo, ws))
      return true;
  return false;
}

// Workspace offered to the timed search: what the heuristics' deterministic candidates ask for,
// at most 1 GiB and at most half of the free device memory.
template <class Perf>
size_t search_cap(const Perf* perf, int count) {
  size_t want = 0;
  for (int i = 0; i < count; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && acceptable(perf[i].determinism))
      want = std::max(want, perf[i].memory);
  size_t free_b = 0, total_b = 0;
  if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) {
    (void)cudaGetLastError();
    free_b = 0;
  }
  return std::min({want, size_t(1) << 30, free_b / 2 + cuda_detail::allocator().stats().cached_bytes / 2});
}

// The timed algorithm search runs once per shape and direction, on the host's clock: not inside a
// CUDA graph capture (graph.hpp), which must follow an eager run of the same shapes.
inline void forbid_search_in_capture(const char* call, const Conv2dGeom& g) {
  if (capturing())
    detail::fail("conv2d (cuda): cuDNN's algorithm search (", call, ") for input [", g.N, ", ", g.C, ", ", g.H,
                 ", ", g.W, "], weight [", g.K, ", ", g.cg(), ", ", g.kh, ", ", g.kw, "] cannot run inside a CUDA "
                 "graph capture: it times candidates and synchronises. Run the step once eagerly before "
                 "StepGraph::capture, so that every convolution shape has its algorithm");
}

[[noreturn]] inline void no_algo(const char* what, const Conv2dGeom& g) {
  detail::fail("conv2d (cuda): cuDNN offers no deterministic ", what, " algorithm for input [", g.N, ", ",
               g.C, ", ", g.H, ", ", g.W, "], weight [", g.K, ", ", g.cg(), ", ", g.kh, ", ", g.kw,
               "], stride ", g.sh, "x", g.sw, ", padding ", g.ph, "x", g.pw, ", dilation ", g.dh, "x",
               g.dw, ", groups ", g.groups);
}

// dst [planes, dh, dw] = src [planes, sh, sw] on the common top-left window, zero elsewhere.
template <class T>
__global__ void copy_window_kernel(const T* src, int64_t sh, int64_t sw, T* dst, int64_t dh, int64_t dw,
                                   int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t x = i % dw, y = (i / dw) % dh, p = i / (dw * dh);
    dst[i] = (y < sh && x < sw) ? src[(p * sh + y) * sw + x] : T(0);
  }
}
template <class T>
void copy_window(const T* src, int64_t sh, int64_t sw, T* dst, int64_t dh, int64_t dw, int64_t planes) {
  const int64_t n = planes * dh * dw;
  if (n == 0) return;
  copy_window_kernel<T><<<grid_for(n), kThreads, 0, stream()>>>(src, sh, sw, dst, dh, dw, n);
  check_launch("conv copy_window");
}

template <class T>
__global__ void channel_bias_kernel(T* y, const T* bias, int64_t C, int64_t HW, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step)
    y[i] += bias[(i / HW) % C];
}

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

// y[n, c, :] += bias[c] for y [N, C, HW].
template <class T>
void add_channel_bias(cuda, T* y, const T* bias, int64_t N, int64_t C, int64_t HW) {
  const int64_t n = N * C * HW;
  if (n == 0) return;
  cuda_detail::channel_bias_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                        cuda_detail::stream()>>>(y, bias, C, HW, n);
  cuda_detail::check_launch("add_channel_bias");
}

}  // namespace ganlib::kernels

namespace ganlib::cuda_detail {

// y = conv2d(x, w) through cuDNN, for a geometry with no empty dimension; no bias.
template <class T>
void dnn_forward(const Conv2dGeom& g, const T* x, const T* w, T* y) {
  ConvPlan& p = conv_plan<T>(g);
  const bool natural = p.Ho == g.Ho && p.Wo == g.Wo;
  DeviceScratch ybuf(natural ? 0 : sizeof(T) * size_t(g.N * g.K * p.Ho * p.Wo));
  T* yd = natural ? y : static_cast<T*>(ybuf.data);
  const dnn_scale_t<T> one = 1, zero = 0;
  cudnnHandle_t h = dnn();
  if (p.fwd < 0) {
    forbid_search_in_capture("cudnnFindConvolutionForwardAlgorithmEx", g);
    int max_n = 0;
    GANLIB_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(h, &max_n));
    std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(size_t(std::max(max_n, 1)));
    int got = 0;
    GANLIB_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, p.x, p.w, p.conv, p.y, max_n, &got, perf.data()));
    const size_t cap = search_cap(perf.data(), got);
    DeviceScratch ws(cap);
    int found = 0;
    std::vector<cudnnConvolutionFwdAlgoPerf_t> timed(size_t(std::max(max_n, 1)));
    GANLIB_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(h, p.x, x, p.w, w, p.conv, p.y, yd, max_n, &found,
                                                              timed.data(), ws.data, cap));
    int algo = -1;
    size_t need = 0;
    if (!choose_algo<T>(timed, found, perf, got, cap, algo, need)) no_algo("forward", g);
    p.fwd_ws = need;
    p.fwd = algo;
  }
  DeviceScratch ws(p.fwd_ws);
  GANLIB_CUDNN_CHECK(cudnnConvolutionForward(h, &one, p.x, x, p.w, w, p.conv,
                                             cudnnConvolutionFwdAlgo_t(p.fwd), ws.data, ws.bytes, &zero, p.y, yd));
  if (!natural) copy_window(yd, p.Ho, p.Wo, y, g.Ho, g.Wo, g.N * g.K);
}

// gx = conv2dᵀ(gy) through cuDNN's backward data, for a geometry with no empty dimension.
template <class T>
void dnn_backward_data(const Conv2dGeom& g, const T* gy, const T* w, T* gx) {
  ConvPlan& p = conv_plan<T>(g);
  const bool natural = p.Ho == g.Ho && p.Wo == g.Wo;
  DeviceScratch gbuf(natural ? 0 : sizeof(T) * size_t(g.N * g.K * p.Ho * p.Wo));
  const T* gyd = gy;
  if (!natural) {  // the outputs beyond the geometry's Ho/Wo get no gradient
    copy_window(gy, g.Ho, g.Wo, static_cast<T*>(gbuf.data), p.Ho, p.Wo, g.N * g.K);
    gyd = static_cast<const T*>(gbuf.data);
  }
  const dnn_scale_t<T> one = 1, zero = 0;
  cudnnHandle_t h = dnn();
  if (p.bwd_data < 0) {
    forbid_search_in_capture("cudnnFindConvolutionBackwardDataAlgorithmEx", g);
    int max_n = 0;
    GANLIB_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, &max_n));
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> perf(size_t(std::max(max_n, 1)));
    int got = 0;
    GANLIB_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, p.w, p.y, p.conv, p.x, max_n, &got, perf.data()));
    const size_t cap = search_cap(perf.data(), got);
    DeviceScratch ws(cap);
    int found = 0;
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> timed(size_t(std::max(max_n, 1)));
    GANLIB_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(h, p.w, w, p.y, gyd, p.conv, p.x, gx, max_n,
                                                                   &found, timed.data(), ws.data, cap));
    int algo = -1;
    size_t need = 0;
    if (!choose_algo<T>(timed, found, perf, got, cap, algo, need)) no_algo("backward-data", g);
    p.bwd_data_ws = need;
    p.bwd_data = algo;
  }
  DeviceScratch ws(p.bwd_data_ws);
  GANLIB_CUDNN_CHECK(cudnnConvolutionBackwardData(h, &one, p.w, w, p.y, gyd, p.conv,
                                                  cudnnConvolutionBwdDataAlgo_t(p.bwd_data), ws.data, ws.bytes,
                                                  &zero, p.x, gx));
}

// gw = Σ_n gy ⋆ x through cuDNN's backward filter, for a geometry with no empty dimension.
template <class T>
void dnn_backward_filter(const Conv2dGeom& g, const T* x, const T* gy, T* gw) {
  ConvPlan& p = conv_plan<T>(g);
  const bool natural = p.Ho == g.Ho && p.Wo == g.Wo;
  DeviceScratch gbuf(natural ? 0 : sizeof(T) * size_t(g.N * g.K * p.Ho * p.Wo));
  const T* gyd = gy;
  if (!natural) {
    copy_window(gy, g.Ho, g.Wo, static_cast<T*>(gbuf.data), p.Ho, p.Wo, g.N * g.K);
    gyd = static_cast<const T*>(gbuf.data);
  }
  const dnn_scale_t<T> one = 1, zero = 0;
  cudnnHandle_t h = dnn();
  if (p.bwd_filter < 0) {
    forbid_search_in_capture("cudnnFindConvolutionBackwardFilterAlgorithmEx", g);
    int max_n = 0;
    GANLIB_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, &max_n));
    std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> perf(size_t(std::max(max_n, 1)));
    int got = 0;
    GANLIB_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, p.x, p.y, p.conv, p.w, max_n, &got, perf.data()));
    const size_t cap = search_cap(perf.data(), got);
    DeviceScratch ws(cap);
    int found = 0;
    std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> timed(size_t(std::max(max_n, 1)));
    GANLIB_CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(h, p.x, x, p.y, gyd, p.conv, p.w, gw, max_n,
                                                                     &found, timed.data(), ws.data, cap));
    int algo = -1;
    size_t need = 0;
    if (!choose_algo<T>(timed, found, perf, got, cap, algo, need)) no_algo("backward-filter", g);
    p.bwd_filter_ws = need;
    p.bwd_filter = algo;
  }
  DeviceScratch ws(p.bwd_filter_ws);
  GANLIB_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, &one, p.x, x, p.y, gyd, p.conv,
                                                    cudnnConvolutionBwdFilterAlgo_t(p.bwd_filter), ws.data,
                                                    ws.bytes, &zero, p.w, gw));
}

// Whether cuDNN has work to do: no empty dimension (the kernels below handle the others).
inline bool dnn_has_work(const Conv2dGeom& g) {
  return g.N > 0 && g.C > 0 && g.K > 0 && g.H > 0 && g.W > 0 && g.Ho > 0 && g.Wo > 0 &&
         g.kh > 0 && g.kw > 0;
}

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

// y [N, K, Ho, Wo] = conv2d(x, w) (+ bias[K] when bias is not null).
template <class T>
void conv2d_forward(cuda, const Conv2dGeom& g, const T* x, const T* w, const T* bias, T* y) {
  if (g.N == 0 || g.K == 0 || g.Ho == 0 || g.Wo == 0) return;
  if (g.C == 0) {  // no inputs: the bias alone
    fill(cuda{}, View<T>{y, Shape{g.N * g.K * g.Ho * g.Wo}, Strides{1}}, T(0));
    if (bias) add_channel_bias(cuda{}, y, bias, g.N, g.K, g.hw_out());
    return;
  }
  cuda_detail::dnn_forward(g, x, w, y);
  if (bias) add_channel_bias(cuda{}, y, bias, g.N, g.K, g.hw_out());
}

// gx [N, C, H, W] from gy [N, K, Ho, Wo] (cuDNN's backward data). Also conv_transpose2d's forward.
template <class T>
void conv2d_input_grad(cuda, const Conv2dGeom& g, const T* gy, const T* w, T* gx) {
  if (g.N == 0 || g.C == 0 || g.H == 0 || g.W == 0) return;
  if (g.K == 0) {
    fill(cuda{}, View<T>{gx, Shape{g.N * g.C * g.H * g.W}, Strides{1}}, T(0));
    return;
  }
  cuda_detail::dnn_backward_data(g, gy, w, gx);
}

// gw [K, C/g, kh, kw] = Σ_n gy ⋆ x (cuDNN's backward filter).
template <class T>
void conv2d_weight_grad(cuda, const Conv2dGeom& g, const T* x, const T* gy, T* gw) {
  const int64_t wsize = g.K * g.cg() * g.kh * g.kw;
  if (wsize == 0) return;
  if (g.N == 0 || g.Ho == 0 || g.Wo == 0 || g.H == 0 || g.W == 0) {
    fill(cuda{}, View<T>{gw, Shape{wsize}, Strides{1}}, T(0));
    return;
  }
  cuda_detail::dnn_backward_filter(g, x, gy, gw);
}

}  // namespace ganlib::kernels

// bench/sgemm.cpp — SGEMM throughput of kernels::gemm against the machine's FMA peak, with
// Eigen (ganlib's per-thread-panel Eigen path) and, if built with -DGANLIB_BENCH_OPENBLAS
// -lopenblas, OpenBLAS's cblas_sgemm on the same shapes and thread count.
// Output: one JSON line per (workload, implementation); see bench/GEMM.md for the commands.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <ganlib/backend/cpu/gemm.hpp>
#include <random>
#include <string>
#include <vector>

#ifdef GANLIB_BENCH_OPENBLAS
#include <cblas.h>
#endif

using namespace ganlib;
// Wall time by default; with --cpu-time, the process's CPU time divided by the thread count,
// which leaves out the time other programs on this shared machine held the cores (for
// tuning; the reported numbers are wall time).
static bool g_cpu_time = false;
static double now() {
  if (g_cpu_time) {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec)) / num_threads();
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Best over `rounds` of the median over `samples` of the rate (GFLOP/s) of fn, each sample
// repeating fn until it has run for at least min_s seconds. spread: (best - worst) / best of
// the round medians, a measure of the machine's noise.
struct Rate {
  double best = 0, spread = 0;
};
static Rate measure(double flops, const std::function<void()>& fn, int rounds, int samples,
                    double min_s) {
  fn();  // warm-up: page faults, pack buffers, pool start
  std::vector<double> medians;
  for (int r = 0; r < rounds; ++r) {
    std::vector<double> rates;
    for (int s = 0; s < samples; ++s) {
      int reps = 0;
      const double t0 = now();
      double t = 0;
      do {
        fn();
        ++reps;
        t = now() - t0;
      } while (t < min_s);
      rates.push_back(flops * reps / t * 1e-9);
    }
    std::nth_element(rates.begin(), rates.begin() + samples / 2, rates.end());
    medians.push_back(rates[samples / 2]);
  }
  const auto [lo, hi] = std::minmax_element(medians.begin(), medians.end());
  return {*hi, (*hi - *lo) / *hi};
}

// The FMA peak: each thread runs 24 independent chains of 512-bit FMAs (enough to cover
// latency × pipes on Zen 5) in registers.
__attribute__((noinline)) static __m512 fma_chains(int64_t iters, float seed) {
  __m512 acc[24];
  for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(seed + float(i) * 1e-3f);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t n = 0; n < iters; ++n) {
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 24; ++i) s = _mm512_add_ps(s, acc[i]);
  return s;
}

static double fma_peak_once(int64_t iters) {
  const int threads = num_threads();
  std::vector<float> sink(size_t(threads) * 16);
  const double t0 = now();
  parallel_for(threads, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t)
      _mm512_storeu_ps(&sink[size_t(t) * 16], fma_chains(iters, float(t)));
  });
  const double t = now() - t0;
  volatile float keep = sink[0];
  (void)keep;
  return double(threads) * double(iters) * 24 * 16 * 2 / t * 1e-9;
}

static void print(const std::string& workload, const char* impl, int threads, const Rate& r,
                  double peak, int64_t M, int64_t K, int64_t N) {
  std::printf(
      "{\"workload\":\"%s\",\"impl\":\"%s\",\"M\":%lld,\"K\":%lld,\"N\":%lld,\"threads\":%d,"
      "\"gflops\":%.1f,\"pct_peak\":%.1f,\"peak_gflops\":%.1f,\"spread_pct\":%.1f}\n",
      workload.c_str(), impl, (long long)M, (long long)K, (long long)N, threads, r.best,
      100 * r.best / peak, peak, 100 * r.spread);
  std::fflush(stdout);
}

int main(int argc, char** argv) {
  int rounds = 3, samples = 5;
  double min_s = 0.05;
  bool compare = true;
  std::string filter;  // run only workloads whose name contains this
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      rounds = 2, samples = 3, min_s = 0.03;
    else if (!std::strcmp(argv[i], "--ganlib-only"))
      compare = false;
    else if (!std::strcmp(argv[i], "--cpu-time"))
      g_cpu_time = true;
    else if (!std::strcmp(argv[i], "--filter") && i + 1 < argc)
      filter = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--ganlib-only] [--cpu-time] [--filter NAME]\n",
                   argv[0]);
      return 2;
    }
  }
  const int threads = num_threads();
#ifdef GANLIB_BENCH_OPENBLAS
  openblas_set_num_threads(threads);
#endif
  // Peak: best of several short runs (the FMA loop is not memory bound, so the best is the
  // least-disturbed one). It is measured again right before each workload, and pct_peak
  // uses that figure, so that both see the same share of this shared machine.
  const auto measure_peak = [](int runs) {
    double p = 0;
    for (int i = 0; i < runs; ++i) p = std::max(p, fma_peak_once(2'000'000));
    return p;
  };
  double peak = measure_peak(15);
  std::printf("{\"workload\":\"fma_peak\",\"threads\":%d,\"gflops\":%.1f}\n", threads, peak);
#ifdef GANLIB_BENCH_OPENBLAS
  // OpenBLAS 0.3.21 takes Zen 5 for Haswell (AVX2 kernels) unless OPENBLAS_CORETYPE=SKYLAKEX.
  std::printf("{\"openblas_core\":\"%s\"}\n", openblas_get_corename());
#endif

  struct Shape {
    const char* name;
    int64_t M, K, N;
  };
  const Shape shapes[] = {{"sgemm_1024", 1024, 1024, 1024},
                          {"sgemm_2048", 2048, 2048, 2048},
                          {"sgemm_conv_256x2304x1024", 256, 2304, 1024},
                          {"sgemm_conv_64x576x16384", 64, 576, 16384}};
  std::mt19937 gen(0);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (const auto& s : shapes) {
    if (std::string(s.name).find(filter) == std::string::npos) continue;
    std::vector<float> A(size_t(s.M * s.K)), B(size_t(s.K * s.N)), C(size_t(s.M * s.N)),
        R(size_t(s.M * s.N));
    for (auto& v : A) v = dist(gen);
    for (auto& v : B) v = dist(gen);
    const double flops = 2.0 * double(s.M) * double(s.N) * double(s.K);
    auto ours = [&] {
      kernels::gemm(cpu{}, false, false, s.M, s.N, s.K, 1.f, A.data(), s.K, B.data(), s.N, 0.f,
                    C.data(), s.N);
    };
    peak = measure_peak(5);
    print(s.name, "ganlib", threads, measure(flops, ours, rounds, samples, min_s), peak, s.M, s.K,
          s.N);
    if (!compare) continue;
    auto eigen = [&] {
      kernels::gemm_eigen(false, false, s.M, s.N, s.K, 1.f, A.data(), s.K, B.data(), s.N, 0.f,
                          R.data(), s.N);
    };
    peak = measure_peak(5);
    print(std::string(s.name) + ".eigen", "eigen", threads,
          measure(flops, eigen, rounds, samples, min_s), peak, s.M, s.K, s.N);
    // Same answer as Eigen up to rounding (a guard against timing a wrong kernel).
    double err = 0, ref = 0;
    for (size_t i = 0; i < C.size(); ++i)
      err = std::max(err, double(std::fabs(C[i] - R[i]))),
      ref = std::max(ref, double(std::fabs(R[i])));
    if (err > 1e-4 * ref) {
      std::fprintf(stderr, "%s: ganlib and Eigen differ by %g (max |C| %g)\n", s.name, err, ref);
      return 1;
    }
#ifdef GANLIB_BENCH_OPENBLAS
    auto blas = [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(s.M), int(s.N), int(s.K), 1.f,
                  A.data(), int(s.K), B.data(), int(s.N), 0.f, R.data(), int(s.N));
    };
    peak = measure_peak(5);
    print(std::string(s.name) + ".openblas", "openblas", threads,
          measure(flops, blas, rounds, samples, min_s), peak, s.M, s.K, s.N);
#endif
  }
  return 0;
}

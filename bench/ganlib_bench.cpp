// bench/ganlib_bench.cpp — one workload, timed: the ganlib half of bench/run_vs_pytorch.sh.
// Usage: ganlib_bench WORKLOAD [--iters N] [--warmup W]. Prints one JSON object:
// {"workload", "times_ms": [...], "rss_mb", "gflop"}. Thread count: GANLIB_NUM_THREADS.
// Each workload is forward + backward with the same shapes as bench/pytorch_bench.py.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <ganlib/ops.hpp>
#include <map>
#include <string>

#include "workloads.hpp"

using namespace ganlib;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ganlib_bench WORKLOAD [--iters N] [--warmup W]\nworkloads:");
    for (auto& [name, w] : bench::workloads()) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--list") {
    std::string names;
    for (auto& [n, w] : bench::workloads()) names += (names.empty() ? "\"" : ",\"") + n + "\"";
    std::printf("{\"workloads\":[%s]}\n", names.c_str());
    return 0;
  }
  int iters = 5, warmup = 2;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--iters") iters = std::atoi(argv[i + 1]);
    else if (flag == "--warmup") warmup = std::atoi(argv[i + 1]);
    else { std::fprintf(stderr, "ganlib_bench: unknown option %s\n", flag.c_str()); return 2; }
  }
  auto it = bench::workloads().find(name);
  if (it == bench::workloads().end()) {
    std::fprintf(stderr, "ganlib_bench: unknown workload '%s'\n", name.c_str());
    return 2;
  }
  try {
    auto w = it->second();
    for (int i = 0; i < warmup; ++i) w.step();
    std::string times;
    for (int i = 0; i < iters; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      w.step();
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (i) times += ',';  // (not (i ? "," : "") + to_string: g++ 12 reports a false -Wrestrict)
      times += std::to_string(ms);
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("{\"workload\":\"%s\",\"times_ms\":[%s],\"rss_mb\":%.1f,\"gflop\":%.4f}\n", name.c_str(),
                times.c_str(), double(ru.ru_maxrss) / 1024.0, w.gflop);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ganlib_bench %s: %s\n", name.c_str(), e.what());
    return 1;
  }
}

// backend/cpu/thread_pool.hpp — a fixed pool of worker threads and parallel_for.
// Contract: parallel_for(n, grain, fn) calls fn(begin, end) on disjoint chunks covering [0, n).
// Chunk boundaries depend on n and the thread count only, so results that are summed per
// chunk are bitwise repeatable for a given thread count. GANLIB_NUM_THREADS overrides the
// size; set_num_threads() changes it from code. Nested calls run inline (no deadlock).
//
// Waiting: a worker, between tasks, and the caller, for the last chunk, first poll for a while
// (8192 pauses, roughly 0.1–0.2 ms) before sleeping on a condition variable: a model's step
// runs thousands of short parallel ops back to back, and a futex wake-up per op cost several
// percent of pix2pixHD's iteration (bench/PROFILE.md).
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace ganlib::cpu_detail {

// Polls done() up to kSpins times (a CPU pause between polls); true if it became true.
inline constexpr int kSpins = 8192;
template <class Done>
bool spin_until(Done done) {
  for (int i = 0; i < kSpins; ++i) {
    if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
  }
  return done();
}

class ThreadPool {
 public:
  explicit ThreadPool(int n) { start(n); }
  ~ThreadPool() { stop(); }

  int size() const { return int(workers_.size()) + 1; }  // workers + the calling thread

  void resize(int n) {
    stop();
    start(n);
  }

  // Runs task(i) for i in [0, count) across the pool and the calling thread; waits for all.
  void run(int count, const std::function<void(int)>& task) {
    if (count <= 1 || workers_.empty() || in_pool_) {
      for (int i = 0; i < count; ++i) task(i);
      return;
    }
    std::unique_lock lock(mu_);
    task_ = &task;
    count_ = count;
    next_ = 0;
    done_ = 0;
    generation_.fetch_add(1, std::memory_order_release);
    if (sleepers_ > 0) cv_.notify_all();
    lock.unlock();
    in_pool_ = true;
    work();
    in_pool_ = false;
    spin_until([&] { return done_.load(std::memory_order_acquire) == count; });
    lock.lock();
    done_cv_.wait(lock, [&] { return done_ == count_; });
    task_ = nullptr;
  }

 private:
  void start(int n) {
    quit_ = false;
    for (int i = 1; i < std::max(1, n); ++i)
      workers_.emplace_back([this] {
        in_pool_ = true;
        uint64_t seen = 0;
        for (;;) {
          spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
          std::unique_lock lock(mu_);
          ++sleepers_;
          cv_.wait(lock, [&] { return quit_ || generation_ != seen; });
          --sleepers_;
          if (quit_) return;
          seen = generation_;
          lock.unlock();
          work();
        }
      });
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
      generation_.fetch_add(1);  // ends the workers' polling too
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }
  // Claim task indices until none are left.
  void work() {
    for (;;) {
      std::unique_lock lock(mu_);
      if (!task_ || next_ >= count_) return;
      const int i = next_++;
      const auto* task = task_;
      lock.unlock();
      (*task)(i);
      lock.lock();
      if (++done_ == count_) done_cv_.notify_all();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* task_ = nullptr;
  int count_ = 0, next_ = 0;
  std::atomic<int> done_{0};           // written under mu_, polled without it
  std::atomic<uint64_t> generation_{0};
  int sleepers_ = 0;                   // workers blocked on cv_ (under mu_)
  bool quit_ = false;
  static inline thread_local bool in_pool_ = false;
};

inline int default_num_threads() {
  if (const char* env = std::getenv("GANLIB_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

inline ThreadPool& pool() {
  static ThreadPool p(default_num_threads());
  return p;
}

}  // namespace ganlib::cpu_detail

namespace ganlib {

inline int num_threads() { return cpu_detail::pool().size(); }
inline void set_num_threads(int n) { cpu_detail::pool().resize(n); }

// Splits [0, n) into at most num_threads() chunks of at least `grain` items each.
template <class Fn>
void parallel_for(int64_t n, int64_t grain, Fn&& fn) {
  if (n <= 0) return;
  const int64_t max_chunks = std::max<int64_t>(1, n / std::max<int64_t>(1, grain));
  const int chunks = int(std::min<int64_t>(num_threads(), max_chunks));
  if (chunks == 1) {
    fn(int64_t(0), n);
    return;
  }
  cpu_detail::pool().run(chunks, [&](int c) {
    const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    if (b < e) fn(b, e);
  });
}

}  // namespace ganlib

// train/progress.hpp — the training progress line: step, epoch, steps/s, ETA and the current
// losses.
// Contract: on a terminal the line is rewritten in place ("\r" … clear to end of line, at most
// ten times a second, and always at the last step); elsewhere (a log file, a pipe: isatty is
// false) a plain line ends with "\n" every print_every steps and at the last step. The text of
// a line comes from format_line(), a pure function.
#pragma once
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace ganlib::train {

// Named scalars in the order they should be shown (pix2pixHD: G_GAN, G_GAN_Feat, G_VGG, D_real,
// D_fake).
using Scalars = std::vector<std::pair<std::string, double>>;

// "1:02:03" or "2d 03:04:05"; "?" when unknown.
inline std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  int64_t s = int64_t(seconds + 0.5);
  const int64_t d = s / 86400;
  s %= 86400;
  char buf[48];
  if (d > 0)
    std::snprintf(buf, sizeof buf, "%lldd %02lld:%02lld:%02lld", (long long)d, (long long)(s / 3600),
                  (long long)(s / 60 % 60), (long long)(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                  (long long)(s % 60));
  return buf;
}

// A loss value with 4 significant digits ("0.7124", "12.35", "1.2e-05", "nan").
inline std::string format_scalar(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

struct ProgressOptions {
  int64_t total_steps = 0;   // 0: unknown (no percentage, no ETA)
  int64_t print_every = 100; // not a terminal: one line every this many steps
  int64_t start_step = 0;    // the step the run starts (or resumes) from, for the rate
  int terminal = -1;         // -1: ask isatty(fd); 0 or 1 to force
  int fd = STDOUT_FILENO;    // the descriptor `os` writes to, for isatty
};

class Progress {
 public:
  explicit Progress(ProgressOptions o = {}, std::ostream& os = std::cout)
      : o_(o), os_(os), clock_([] {
          return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
        }) {
    tty_ = o_.terminal >= 0 ? o_.terminal == 1 : ::isatty(o_.fd) == 1;
    if (o_.print_every < 1) o_.print_every = 1;
    reset_clock();
  }
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool is_terminal() const { return tty_; }
  // A different time source (seconds), e.g. for tests.
  void set_clock(std::function<double()> clock) {
    clock_ = std::move(clock);
    reset_clock();
  }

  // Reports that `step` steps are done (epoch `epoch`, current losses); prints when due.
  void update(int64_t step, int64_t epoch, const Scalars& losses) {
    const double now = clock_();
    // Steps/s over a window of at least a second (or since the start, until one has passed).
    if (now - window_t_ >= 1.0 && step > window_step_) {
      rate_ = double(step - window_step_) / (now - window_t_);
      window_t_ = now;
      window_step_ = step;
    } else if (rate_ <= 0 && now > start_t_ && step > o_.start_step) {
      rate_ = double(step - o_.start_step) / (now - start_t_);
    }
    const bool last = o_.total_steps > 0 && step >= o_.total_steps;
    if (tty_) {
      if (!last && pending_ && now - last_print_t_ < 0.1) return;
      os_ << '\r' << format_line(step, epoch, rate_, losses) << "\x1b[K" << std::flush;
      pending_ = true;
      last_print_t_ = now;
      if (last) finish();
    } else if (step % o_.print_every == 0 || last) {
      os_ << format_line(step, epoch, rate_, losses) << '\n' << std::flush;
      last_print_t_ = now;
    }
  }

  // Ends a terminal line in progress (before other output, or at the end).
  void finish() {
    if (tty_ && pending_) os_ << '\n' << std::flush;
    pending_ = false;
  }

  // "step 1200/10000 (12.0%) | epoch 3 | 4.21 it/s | ETA 0:34:50 | G_GAN 0.7124 D_real 0.301"
  std::string format_line(int64_t step, int64_t epoch, double steps_per_s, const Scalars& losses) const {
    std::string s = "step " + std::to_string(step);
    char buf[64];
    if (o_.total_steps > 0) {
      std::snprintf(buf, sizeof buf, "/%lld (%.1f%%)", (long long)o_.total_steps,
                    100.0 * double(step) / double(o_.total_steps));
      s += buf;
    }
    s += " | epoch " + std::to_string(epoch);
    if (steps_per_s > 0) {
      std::snprintf(buf, sizeof buf, steps_per_s >= 10 ? "%.1f it/s" : "%.2f it/s", steps_per_s);
      s += " | " + std::string(buf);
    } else {
      s += " | -- it/s";
    }
    if (o_.total_steps > 0)
      s += " | ETA " + (steps_per_s > 0 ? format_duration(double(o_.total_steps - step) / steps_per_s) : std::string("?"));
    if (!losses.empty()) {
      s += " |";
      for (auto& [k, v] : losses) s += " " + k + " " + format_scalar(v);
    }
    return s;
  }

  double steps_per_second() const { return rate_; }

 private:
  void reset_clock() {
    start_t_ = window_t_ = clock_();
    window_step_ = o_.start_step;
    rate_ = 0;
    last_print_t_ = -1e300;
  }

  ProgressOptions o_;
  std::ostream& os_;
  std::function<double()> clock_;
  bool tty_ = false, pending_ = false;
  double start_t_ = 0, window_t_ = 0, last_print_t_ = 0, rate_ = 0;
  int64_t window_step_ = 0;
};

}  // namespace ganlib::train

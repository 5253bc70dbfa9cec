// train/stop_signal.hpp — turns SIGINT/SIGTERM into a flag the training loop polls, so that the
// loop can save a checkpoint and return normally instead of dying mid-step.
// Contract: while a StopSignal lives, the first SIGINT or SIGTERM only sets the flag (the
// handler does nothing else, so it is async-signal-safe); a second one restores the previous
// disposition and re-raises, so a second Ctrl-C still stops a stuck program. The destructor
// restores the previous handlers. One StopSignal at a time per process.
#pragma once
#include <signal.h>

#include <csignal>
#include <vector>

#include "../core/error.hpp"

namespace ganlib::train {

namespace detail {
inline volatile std::sig_atomic_t g_stop_signal = 0;  // the signal number, 0 if none
inline void stop_handler(int sig) {
  if (g_stop_signal != 0) {  // second signal: give up waiting for the loop
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_stop_signal = sig;
}
}  // namespace detail

class StopSignal {
 public:
  explicit StopSignal(std::vector<int> signals = {SIGINT, SIGTERM}) : signals_(std::move(signals)) {
    detail::g_stop_signal = 0;
    for (int s : signals_) {
      struct sigaction sa {}, old {};
      sa.sa_handler = detail::stop_handler;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESTART;  // interrupted reads/writes resume; the loop sees the flag later
      GANLIB_CHECK(::sigaction(s, &sa, &old) == 0, "StopSignal: cannot install a handler for signal ", s);
      old_.push_back(old);
    }
  }
  ~StopSignal() {
    for (size_t i = 0; i < signals_.size(); ++i) ::sigaction(signals_[i], &old_[i], nullptr);
  }
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  bool requested() const { return detail::g_stop_signal != 0; }
  int signal_number() const { return int(detail::g_stop_signal); }
  void request(int sig = SIGTERM) { detail::g_stop_signal = sig; }  // from code, e.g. a time limit
  void clear() { detail::g_stop_signal = 0; }

 private:
  std::vector<int> signals_;
  std::vector<struct sigaction> old_;
};

}  // namespace ganlib::train

// autograd/grad_mode.hpp — whether ops record the graph, per thread.
// Contract: `no_grad` is an RAII guard; while one lives, ops build no nodes. The engine uses
// `GradMode::Guard` to record (create_graph) or not while running backward functions.
#pragma once

namespace ganlib {

struct GradMode {
  static bool& enabled() {
    static thread_local bool on = true;
    return on;
  }
  class Guard {
   public:
    explicit Guard(bool on) : prev_(enabled()) { enabled() = on; }
    ~Guard() { enabled() = prev_; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
   private:
    bool prev_;
  };
};

struct no_grad : GradMode::Guard {
  no_grad() : GradMode::Guard(false) {}
};

}  // namespace ganlib

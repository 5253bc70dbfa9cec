// backend/cuda/graph.hpp — CUDA graphs for a step that repeats: record it once on ganlib's
// stream, then launch the whole recording at the cost of one launch (no per-kernel host work).
// Contract: StepGraph::capture(step) calls step() once while the stream is captured: nothing
// runs, the kernels, copies and cuBLAS/cuDNN calls it queues are recorded, and the recording is
// instantiated. replay() queues one run of it on the stream, asynchronously like any kernel.
//
// How to use it:
//   1. Run the step eagerly a few times first (2 or 3): cuDNN picks each shape's algorithms,
//      cuBLAS and cuDNN start, the optimizer makes its state, the allocator's cache fills.
//   2. graph.capture([&] { opt.zero_grad(); loss = f(net(x_in)); loss.backward(); opt.step(); });
//   3. Per iteration: copy_(x_in, next_batch) (under no_grad), then graph.replay(); read results
//      from tensors that the step assigned during the capture (loss, outputs, p.grad()).
// What a replay does is what the stream received during the capture, with the same pointers and
// the same host values:
//   - inputs are the tensors the step read: keep them alive and copy new values into them;
//   - host values are frozen: shapes, branches taken on the host, the learning rate (capture
//     again after set_lr), and random draws (randn/rand take their Philox counter on the host:
//     every replay draws the same numbers; draw outside and copy in);
//   - host-side bookkeeping in the step (counters, logging) runs once, at capture. Adam's step
//     count lives on the device (optim/adam.hpp) and does advance at each replay.
// Calls that wait for the device or read its memory on the host (item(), to_vector(),
// synchronize(), from_vector, cuDNN's first-use algorithm search, empty_cache) throw a
// ganlib::Error naming the call inside a capture (context.hpp); capture() then ends the capture,
// drops the recording and rethrows, leaving the stream usable (tensors the step made hold
// unspecified values: nothing ran). Only this thread may use ganlib's CUDA backend while it
// captures (everything on the one stream would be recorded).
// Memory: during the capture the allocator serves this graph's private pool (allocator.hpp); its
// blocks, including those of tensors the step returned, stay reserved for the replays until the
// StepGraph is destroyed or reset(), then they join the general cache.
#pragma once
#include <functional>
#include <utility>

#include "allocator.hpp"
#include "context.hpp"
#include "error.hpp"

namespace ganlib {

class StepGraph {
 public:
  StepGraph() = default;
  ~StepGraph() { reset(); }
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;
  StepGraph(StepGraph&& o) noexcept : exec_(std::exchange(o.exec_, nullptr)), pool_(std::exchange(o.pool_, 0)) {}
  StepGraph& operator=(StepGraph&& o) noexcept {
    if (this != &o) {
      reset();
      exec_ = std::exchange(o.exec_, nullptr);
      pool_ = std::exchange(o.pool_, 0);
    }
    return *this;
  }

  // Records one call of step() (replacing an earlier recording).
  void capture(const std::function<void()>& step) {
    using namespace cuda_detail;
    GANLIB_CHECK(bool(step), "StepGraph::capture: no step function given");
    reset();
    const cudaStream_t s = stream();
    GANLIB_CHECK(!capturing(), "StepGraph::capture: ganlib's stream is already being captured (captures do not nest)");
    pool_ = allocator().begin_capture();
    // Thread-local mode: a call that CUDA deems unsafe in this thread invalidates the capture;
    // other threads are not affected. The allocator relaxes it for its own cudaMalloc.
    cudaError_t e = cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal);
    if (e != cudaSuccess) {
      abandon();
      cuda_fail(e, "cudaStreamBeginCapture", __FILE__, __LINE__);
    }
    try {
      step();
    } catch (...) {
      cudaGraph_t partial = nullptr;
      (void)cudaStreamEndCapture(s, &partial);  // ends even an invalidated capture
      if (partial) (void)cudaGraphDestroy(partial);
      (void)cudaGetLastError();
      abandon();
      throw;
    }
    cudaGraph_t graph = nullptr;
    e = cudaStreamEndCapture(s, &graph);
    if (e != cudaSuccess || !graph) {
      abandon();
      detail::fail("StepGraph::capture: the capture failed (cudaStreamEndCapture: ", cudaGetErrorName(e), ", ",
                   cudaGetErrorString(e), "): the step made a CUDA call that a graph cannot record, outside "
                   "ganlib's checks (a synchronising call, or work on another stream)");
    }
    allocator().end_capture();
    // Auto-free: a library that allocated with cudaMallocAsync inside the capture (cuBLAS's
    // workspace) gets that memory freed before the next launch.
    e = cudaGraphInstantiate(&exec_, graph, cudaGraphInstantiateFlagAutoFreeOnLaunch);
    (void)cudaGraphDestroy(graph);
    if (e != cudaSuccess) {
      exec_ = nullptr;
      abandon();
      cuda_fail(e, "cudaGraphInstantiate", __FILE__, __LINE__);
    }
  }

  // Queues one run of the recorded step on ganlib's stream.
  void replay() {
    GANLIB_CHECK(exec_ != nullptr, "StepGraph::replay: nothing was captured (call capture(step) first)");
    GANLIB_CUDA_CHECK(cudaGraphLaunch(exec_, cuda_detail::stream()));
  }

  bool captured() const { return exec_ != nullptr; }

  // Destroys the recording (a replay still running finishes first, on the stream) and hands the
  // graph's memory to the general cache.
  void reset() noexcept {
    if (exec_) (void)cudaGraphExecDestroy(exec_);
    exec_ = nullptr;
    if (pool_) cuda_detail::allocator().release_pool(pool_);
    pool_ = 0;
  }

 private:
  // After a failed capture: the allocator serves the general cache again; the pool is dropped.
  void abandon() noexcept {
    cuda_detail::allocator().end_capture();
    reset();
  }

  cudaGraphExec_t exec_ = nullptr;
  cuda_detail::PoolId pool_ = 0;
};

}  // namespace ganlib

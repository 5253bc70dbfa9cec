// data/loader.hpp — batches from a Dataset: seeded Philox shuffling, drop_last, and
// prefetching on background threads into a bounded queue of ready batches.
// Contract: an epoch's order depends only on (seed, epoch) and each sample's random stream only
// on (seed, epoch, index), so batches are identical whatever the worker count and a run can
// resume at any (epoch, batch). An exception thrown while loading batch b is rethrown (same
// type and message) by the next() that would have returned b. Destroying the loader (or
// starting another epoch) stops and joins its threads without waiting for the epoch to end.
// Datasets run on loader threads: their get() must not call ops that use the CPU thread pool
// (plain loops, from_vector and to_vector of contiguous tensors are fine).
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "../core/philox.hpp"
#include "../ops/factory.hpp"
#include "dataset.hpp"

namespace ganlib::data {

// Samples stacked along a new leading dimension: key → [N, ...].
template <class T = float, class B = default_backend>
struct Batch {
  std::map<std::string, Tensor<T, B>> tensors;
  std::vector<std::string> paths;
  std::vector<int64_t> indices;  // dataset indices, in batch order
  std::vector<std::map<std::string, std::string>> meta;
  int64_t epoch = 0, batch = 0;  // which epoch, and the batch's position in it

  int64_t size() const { return int64_t(indices.size()); }
  bool has(const std::string& key) const { return tensors.count(key) != 0; }
  const Tensor<T, B>& operator[](const std::string& key) const {
    auto it = tensors.find(key);
    if (it == tensors.end()) {
      std::string have;
      for (auto& [k, v] : tensors) have += (have.empty() ? "" : ", ") + k;
      ganlib::detail::fail("Batch: no tensor named \"", key, "\"; it has: ", have);
    }
    return it->second;
  }
};

namespace detail {
// Appends a host tensor's values in row-major order. Strided tensors are walked here rather than
// through kernels, because loader threads must not enter the shared CPU thread pool.
template <class T>
void append_values(std::vector<T>& out, const Tensor<T, cpu>& t) {
  const T* p = t.data();
  const int64_t n = t.numel();
  if (t.is_contiguous()) {
    out.insert(out.end(), p, p + n);
    return;
  }
  const auto& shape = t.shape();
  const auto& strides = t.strides();
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t off = 0;
    for (size_t d = 0; d < shape.size(); ++d) off += idx[d] * strides[d];
    out.push_back(p[off]);
    for (int d = int(shape.size()) - 1; d >= 0; --d) {
      if (++idx[size_t(d)] < shape[size_t(d)]) break;
      idx[size_t(d)] = 0;
    }
  }
}
}  // namespace detail

// Stacks samples; every sample must hold the same keys with the same shapes.
template <class T, class B = cpu>
Batch<T, B> collate(const std::vector<Sample<T>>& samples) {
  GANLIB_CHECK(!samples.empty(), "collate: no samples");
  Batch<T, B> b;
  const Sample<T>& s0 = samples[0];
  for (auto& s : samples) {
    b.paths.push_back(s.path);
    b.indices.push_back(s.index);
    b.meta.push_back(s.meta);
    GANLIB_CHECK(s.tensors.size() == s0.tensors.size(), "collate: sample ", s.index, " ('", s.path,
                 "') holds ", s.tensors.size(), " tensors but sample ", s0.index, " ('", s0.path,
                 "') holds ", s0.tensors.size());
  }
  for (auto& [key, t0] : s0.tensors) {
    const Shape shape = t0.shape();
    std::vector<T> all;
    all.reserve(size_t(t0.numel()) * samples.size());
    for (auto& s : samples) {
      auto it = s.tensors.find(key);
      GANLIB_CHECK(it != s.tensors.end(), "collate: sample ", s.index, " ('", s.path,
                   "') has no \"", key, "\" but sample ", s0.index, " has");
      GANLIB_CHECK(it->second.shape() == shape, "collate: \"", key, "\" of sample ", s.index, " ('",
                   s.path, "') has shape ", ganlib::to_string(it->second.shape()), " but sample ", s0.index,
                   " ('", s0.path, "') has ", ganlib::to_string(shape),
                   "; use a crop or resize transform so that a batch's items agree");
      detail::append_values(all, it->second);
    }
    Shape bs = shape;
    bs.insert(bs.begin(), int64_t(samples.size()));
    b.tensors[key] = from_vector<T, B>(all, bs);
  }
  return b;
}

// The order of an epoch: 0..n-1, Fisher–Yates shuffled with Philox draws keyed by the seed and
// counted by (epoch, position), so it needs no state from earlier epochs.
inline std::vector<int64_t> shuffled_order(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(size_t(std::max<int64_t>(n, 0)));
  std::iota(order.begin(), order.end(), int64_t(0));
  for (int64_t i = n - 1; i > 0; --i) {
    const auto b = philox::draw(seed, detail::epoch_counter(epoch, detail::kShuffleStream), uint64_t(i));
    const uint64_t r = uint64_t(b.v[0]) << 32 | b.v[1];
    const int64_t j = int64_t((unsigned __int128)r * uint64_t(i + 1) >> 64);  // uniform in [0, i]
    std::swap(order[size_t(i)], order[size_t(j)]);
  }
  return order;
}

struct LoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = true;
  bool drop_last = false;  // pix2pixHD floors its dataset length to a multiple of batchSize: true
  uint64_t seed = 0;
  int workers = 1;         // loading threads; 0 loads in the caller's thread inside next()
  int prefetch = 2;        // batches loaded ahead (ready or in progress), at least `workers`
};

template <class T = float, class B = default_backend>
class Loader {
 public:
  Loader(std::shared_ptr<const Dataset<T>> dataset, LoaderOptions o)
      : ds_(std::move(dataset)), o_(o) {
    GANLIB_CHECK(ds_, "Loader: null dataset");
    GANLIB_CHECK(o_.batch_size >= 1, "Loader: batch_size must be >= 1, got ", o_.batch_size);
    GANLIB_CHECK(o_.workers >= 0, "Loader: workers must be >= 0, got ", o_.workers);
    GANLIB_CHECK(o_.prefetch >= 1, "Loader: prefetch must be >= 1, got ", o_.prefetch);
    GANLIB_CHECK(ds_->size() > 0, "Loader: ", ds_->describe(), " is empty");
    GANLIB_CHECK(!o_.drop_last || ds_->size() >= o_.batch_size, "Loader: ", ds_->describe(),
                 " has fewer items than one batch of ", o_.batch_size, " (drop_last is on)");
  }
  ~Loader() { stop(); }
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  const Dataset<T>& dataset() const { return *ds_; }
  const LoaderOptions& options() const { return o_; }
  int64_t batches_per_epoch() const {
    const int64_t n = ds_->size();
    return o_.drop_last ? n / o_.batch_size : (n + o_.batch_size - 1) / o_.batch_size;
  }
  // The dataset indices of an epoch, in the order they are served.
  std::vector<int64_t> epoch_order(int64_t epoch) const {
    if (o_.shuffle) return shuffled_order(ds_->size(), o_.seed, epoch);
    std::vector<int64_t> v(size_t(ds_->size()));
    std::iota(v.begin(), v.end(), int64_t(0));
    return v;
  }
  int64_t epoch() const { return epoch_; }
  int64_t next_batch() const { return next_; }  // the position next() returns next

  // Starts (or restarts) an epoch at batch `first_batch` (to resume mid-epoch); any loading
  // still under way for the previous epoch is stopped first.
  void start_epoch(int64_t epoch, int64_t first_batch = 0) {
    GANLIB_CHECK(first_batch >= 0 && first_batch <= batches_per_epoch(), "Loader: first_batch ",
                 first_batch, " is outside 0..", batches_per_epoch());
    stop();
    epoch_ = epoch;
    order_ = epoch_order(epoch);
    next_ = first_batch;
    failed_ = false;
    started_ = true;
    if (o_.workers == 0) return;
    auto st = std::make_shared<Shared>();
    st->next_claim = first_batch;
    st->next_consume = first_batch;
    shared_ = st;
    for (int w = 0; w < o_.workers; ++w) threads_.emplace_back([this, st] { worker(*st); });
  }

  // The next batch of the current epoch, or nullopt at its end.
  std::optional<Batch<T, B>> next() {
    GANLIB_CHECK(started_, "Loader: call start_epoch(epoch) before next()");
    GANLIB_CHECK(!failed_, "Loader: loading failed earlier in epoch ", epoch_,
                 " (that error was thrown by next()); call start_epoch() to go on");
    if (next_ >= batches_per_epoch()) return std::nullopt;
    const int64_t b = next_;
    if (o_.workers == 0) {
      Batch<T, B> out;
      try {
        out = to_backend(build(b));
      } catch (...) {
        failed_ = true;
        throw;
      }
      ++next_;
      return out;
    }
    Shared& st = *shared_;
    Slot slot;
    {
      std::unique_lock lock(st.mu);
      st.ready_cv.wait(lock, [&] { return st.ready.count(b) != 0; });
      slot = std::move(st.ready[b]);
      st.ready.erase(b);
      st.next_consume = b + 1;
    }
    st.claim_cv.notify_all();
    ++next_;
    if (slot.error) {
      failed_ = true;
      stop();
      std::rethrow_exception(slot.error);
    }
    return to_backend(std::move(slot.batch));
  }

  // The batch at (epoch, position) built directly, without touching the running epoch.
  Batch<T, B> batch_at(int64_t epoch, int64_t position) const {
    GANLIB_CHECK(position >= 0 && position < batches_per_epoch(), "Loader: batch ", position,
                 " is outside 0..", batches_per_epoch() - 1);
    return to_backend(build_from(epoch_order(epoch), epoch, position));
  }

 private:
  struct Slot {
    Batch<T, cpu> batch;
    std::exception_ptr error;
  };
  struct Shared {
    std::mutex mu;
    std::condition_variable claim_cv, ready_cv;
    std::map<int64_t, Slot> ready;
    int64_t next_claim = 0, next_consume = 0;
    std::atomic<bool> stop{false};  // also polled between samples, outside the lock
  };

  Batch<T, cpu> build(int64_t b) const { return build_from(order_, epoch_, b); }
  Batch<T, cpu> build_from(const std::vector<int64_t>& order, int64_t epoch, int64_t b,
                           const std::atomic<bool>* stop = nullptr) const {
    const int64_t n = int64_t(order.size());
    const int64_t begin = b * o_.batch_size, end = std::min(n, begin + o_.batch_size);
    std::vector<Sample<T>> samples;
    samples.reserve(size_t(end - begin));
    for (int64_t k = begin; k < end; ++k) {
      if (stop && stop->load(std::memory_order_relaxed)) return {};
      const int64_t idx = order[size_t(k)];
      SampleRng rng(sample_key(o_.seed, epoch, idx));
      samples.push_back(ds_->get(idx, rng));
    }
    Batch<T, cpu> out = collate<T, cpu>(samples);
    out.epoch = epoch;
    out.batch = b;
    return out;
  }

  static Batch<T, B> to_backend(Batch<T, cpu>&& hb) {
    if constexpr (std::is_same_v<B, cpu>) {
      return std::move(hb);
    } else {
      Batch<T, B> out;
      for (auto& [k, t] : hb.tensors) out.tensors[k] = from_vector<T, B>(t.to_vector(), t.shape());
      out.paths = std::move(hb.paths);
      out.indices = std::move(hb.indices);
      out.meta = std::move(hb.meta);
      out.epoch = hb.epoch;
      out.batch = hb.batch;
      return out;
    }
  }

  void worker(Shared& st) {
    const int64_t total = batches_per_epoch();
    const int64_t depth = std::max<int64_t>(o_.prefetch, o_.workers);
    for (;;) {
      int64_t b;
      {
        std::unique_lock lock(st.mu);
        st.claim_cv.wait(lock, [&] { return st.stop || st.next_claim >= total || st.next_claim < st.next_consume + depth; });
        if (st.stop || st.next_claim >= total) return;
        b = st.next_claim++;
      }
      Slot slot;
      try {
        slot.batch = build_from(order_, epoch_, b, &st.stop);
      } catch (...) {
        slot.error = std::current_exception();
      }
      const bool failed = bool(slot.error);
      {
        std::lock_guard lock(st.mu);
        if (st.stop) return;
        st.ready[b] = std::move(slot);
      }
      st.ready_cv.notify_all();
      if (failed) return;  // the epoch ends at this batch: later ones are not needed
    }
  }

  void stop() {
    if (shared_) {
      {
        std::lock_guard lock(shared_->mu);
        shared_->stop = true;
      }
      shared_->claim_cv.notify_all();
      shared_->ready_cv.notify_all();
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
    shared_.reset();
  }

  std::shared_ptr<const Dataset<T>> ds_;
  LoaderOptions o_;
  std::vector<int64_t> order_;
  int64_t epoch_ = 0, next_ = 0;
  bool started_ = false, failed_ = false;
  std::shared_ptr<Shared> shared_;
  std::vector<std::thread> threads_;
};

}  // namespace ganlib::data

// tests/data/test_loader.cpp — the loader: batching, drop_last, Philox shuffling that depends
// only on (seed, epoch), identical batches for any worker count, mid-epoch resume, exception
// propagation from worker threads, and prompt, clean shutdown mid-epoch.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "ganlib/data.hpp"
#include "ganlib/data/synthetic/streets.hpp"

using namespace ganlib;
using namespace ganlib::data;
namespace fs = std::filesystem;

namespace {

// Item i: "x" = [i, a draw from the item's stream], "label" = i % 3. Optionally slow, or
// throwing at one index.
struct Counting : Dataset<float> {
  int64_t n;
  int64_t throw_at = -1;
  int sleep_ms = 0;
  mutable std::atomic<int64_t> calls{0};
  explicit Counting(int64_t n_) : n(n_) {}
  int64_t size() const override { return n; }
  Sample<float> get(int64_t index, SampleRng& rng) const override {
    check_index(index);
    ++calls;
    if (sleep_ms) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    if (index == throw_at) throw std::out_of_range("item " + std::to_string(index) + " is cursed");
    Sample<float> s;
    s.index = index;
    s.path = "item" + std::to_string(index);
    s.tensors["x"] = from_vector<float, cpu>({float(index), float(rng.uniform())}, {2});
    s.tensors["label"] = from_vector<float, cpu>({float(index % 3)}, Shape{});
    return s;
  }
};

struct Flat {  // a batch's values, for comparing runs
  std::vector<int64_t> indices;
  std::vector<float> x, label;
  bool operator==(const Flat&) const = default;
};

std::vector<Flat> run_epoch(Loader<float>& loader, int64_t epoch, int64_t first = 0) {
  std::vector<Flat> out;
  loader.start_epoch(epoch, first);
  while (auto b = loader.next()) {
    CHECK(b->epoch == epoch);
    out.push_back({b->indices, (*b)["x"].to_vector(), (*b)["label"].to_vector()});
  }
  return out;
}

}  // namespace

TEST_CASE("loader: batch shapes, drop_last, every item once per epoch") {
  auto ds = std::make_shared<Counting>(10);
  LoaderOptions o;
  o.batch_size = 4;
  o.seed = 3;
  for (bool drop : {false, true}) {
    o.drop_last = drop;
    Loader<float> loader(ds, o);
    CHECK(loader.batches_per_epoch() == (drop ? 2 : 3));
    loader.start_epoch(0);
    std::vector<int64_t> seen;
    int64_t batches = 0;
    while (auto b = loader.next()) {
      const int64_t n = b->size();
      CHECK((n == 4 || (!drop && n == 2 && batches == 2)));
      CHECK((*b)["x"].shape() == Shape{n, 2});
      CHECK((*b)["label"].shape() == Shape{n});
      CHECK(b->batch == batches);
      const auto x = (*b)["x"].to_vector();
      for (int64_t k = 0; k < n; ++k) CHECK(x[size_t(2 * k)] == float(b->indices[size_t(k)]));
      seen.insert(seen.end(), b->indices.begin(), b->indices.end());
      ++batches;
    }
    CHECK(!loader.next().has_value());
    std::set<int64_t> unique(seen.begin(), seen.end());
    CHECK(unique.size() == seen.size());
    CHECK(seen.size() == (drop ? 8u : 10u));
  }
}

TEST_CASE("loader: the shuffle depends only on (seed, epoch) and is a permutation") {
  const auto a = shuffled_order(1000, 7, 2), b = shuffled_order(1000, 7, 2);
  CHECK(a == b);
  CHECK(shuffled_order(1000, 7, 3) != a);
  CHECK(shuffled_order(1000, 8, 2) != a);
  std::set<int64_t> s(a.begin(), a.end());
  CHECK(s.size() == 1000);
  CHECK(*s.begin() == 0);
  CHECK(*s.rbegin() == 999);
  // Roughly uniform: item 0 lands in each tenth about equally often over many epochs.
  std::vector<int> where(10, 0);
  for (int e = 0; e < 2000; ++e) {
    const auto o = shuffled_order(50, 1, e);
    where[size_t(std::find(o.begin(), o.end(), 0) - o.begin()) / 5]++;
  }
  for (int w : where) CHECK((w > 120 && w < 290));
  // No shuffle: dataset order.
  auto ds = std::make_shared<Counting>(5);
  LoaderOptions o;
  o.shuffle = false;
  Loader<float> plain(ds, o);
  CHECK(plain.epoch_order(4) == std::vector<int64_t>{0, 1, 2, 3, 4});
}

TEST_CASE("loader: identical batches across runs, worker counts and prefetch depths; resume mid-epoch") {
  auto ds = std::make_shared<Counting>(23);
  LoaderOptions o;
  o.batch_size = 3;
  o.seed = 99;
  o.workers = 0;
  Loader<float> ref_loader(ds, o);
  const auto ref0 = run_epoch(ref_loader, 0), ref1 = run_epoch(ref_loader, 1);
  REQUIRE(ref0.size() == 8);
  CHECK(ref0 != ref1);  // a new epoch: a new order and new sample streams
  for (int workers : {1, 2, 3, 5}) {
    for (int prefetch : {1, 2, 6}) {
      o.workers = workers;
      o.prefetch = prefetch;
      Loader<float> loader(ds, o);
      // Epoch 1 first: an epoch needs nothing from the ones before it.
      CHECK(run_epoch(loader, 1) == ref1);
      CHECK(run_epoch(loader, 0) == ref0);
      // Resume at batch 5 of epoch 1: the rest of the epoch as in the full run.
      const auto tail = run_epoch(loader, 1, 5);
      CHECK(tail == std::vector<Flat>(ref1.begin() + 5, ref1.end()));
    }
  }
  const auto direct = ref_loader.batch_at(1, 2);
  CHECK(direct.indices == ref1[2].indices);
  o.seed = 100;
  Loader<float> other(ds, o);
  CHECK(run_epoch(other, 0) != ref0);
}

TEST_CASE("loader: pix2pixHD items with random crop and flip are identical with 0 or 2 workers") {
  const fs::path root = fs::temp_directory_path() / ("ganlib_loader_p2p_" + std::to_string(::getpid()));
  fs::remove_all(root);
  synth::write_streets_dataset(root.string(), "train", 5, 64, 32, 21);
  Pix2PixHDDataOptions po;
  po.root = root.string();
  po.transform.mode = ResizeOrCrop::scale_width_and_crop;
  po.transform.load_size = 48;
  po.transform.fine_size = 16;
  auto ds = std::make_shared<Pix2PixHDDataset<float>>(po);
  auto collect = [&](int workers) {
    LoaderOptions o;
    o.batch_size = 2;
    o.drop_last = true;  // as pix2pixHD floors its length
    o.seed = 5;
    o.workers = workers;
    Loader<float> loader(ds, o);
    std::vector<std::vector<float>> all;
    for (int e = 0; e < 2; ++e) {
      loader.start_epoch(e);
      while (auto b = loader.next()) {
        CHECK((*b)["image"].shape() == Shape{2, 3, 16, 16});
        CHECK((*b)["label"].shape() == Shape{2, 1, 16, 16});
        for (auto k : {"label", "inst", "image"}) all.push_back((*b)[k].to_vector());
      }
    }
    return all;
  };
  const auto a = collect(0), b = collect(2);
  CHECK(a.size() == 12);
  CHECK(a == b);
  fs::remove_all(root);
}

TEST_CASE("loader: an exception in a worker is rethrown by next() with its type and message") {
  auto ds = std::make_shared<Counting>(20);
  ds->throw_at = 9;
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = false;
  for (int workers : {0, 1, 3}) {
    o.workers = workers;
    o.prefetch = 4;
    Loader<float> loader(ds, o);
    loader.start_epoch(0);
    CHECK(loader.next().has_value());  // items 0..3
    CHECK(loader.next().has_value());  // items 4..7
    CHECK_THROWS_WITH_AS(loader.next(), "item 9 is cursed", std::out_of_range);
    CHECK_THROWS_WITH_AS(loader.next(), doctest::Contains("loading failed earlier in epoch 0"), Error);
    // A fresh epoch starting past the bad batch works.
    loader.start_epoch(0, 3);
    CHECK(loader.next()->indices == std::vector<int64_t>{12, 13, 14, 15});
  }
}

TEST_CASE("loader: destruction and restarts mid-epoch stop the workers promptly") {
  auto ds = std::make_shared<Counting>(400);
  ds->sleep_ms = 5;  // a full epoch would take 2 s on one worker
  LoaderOptions o;
  o.batch_size = 2;
  o.workers = 2;
  o.prefetch = 3;
  {
    Loader<float> loader(ds, o);
    loader.start_epoch(0);
    CHECK(loader.next().has_value());
    loader.start_epoch(1);  // restart mid-epoch
    CHECK(loader.next().has_value());
  }  // destroyed with batches in flight
  {
    Loader<float> idle(ds, o);
    idle.start_epoch(0);  // never consumed
  }
  // Promptness is shown by the work done, not by a clock (a clock fails on a loaded machine):
  // bounded look-ahead: at most prefetch batches (plus those being built) were loaded.
  CHECK(ds->calls.load() <= 2 * (1 + 3 + 2) * 2 + 3 * 2 + 4);
  CHECK_THROWS_WITH_AS(Loader<float>(ds, LoaderOptions{0}), doctest::Contains("batch_size must be >= 1"), Error);
  Loader<float> not_started(ds, o);
  CHECK_THROWS_WITH_AS(not_started.next(), doctest::Contains("call start_epoch"), Error);
}

// data/dataset.hpp — what every dataset shares: a Sample (named host tensors + its path), the
// Dataset interface, per-sample random streams, and sorted image-file listings.
// Contract: get(index, rng) is const and safe to call from several threads at once; every
// random choice a dataset makes (crop, flip, clip start) comes from `rng`, which the loader
// derives from (seed, epoch, index) alone, so a sample is the same whatever thread made it.
#pragma once
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "../core/error.hpp"
#include "../core/philox.hpp"
#include "../core/tensor.hpp"
#include "../ops/factory.hpp"

namespace ganlib::data {

// One item: tensors by name (pix2pixHD's keys: "label", "inst", "image", "feat"), on the host.
// Samples are made on loader threads, so they stay on the CPU; the loader moves whole batches.
template <class T = float>
struct Sample {
  std::map<std::string, Tensor<T, cpu>> tensors;
  std::string path;                          // the file (or folder) the item came from
  int64_t index = -1;                        // its index in the dataset
  std::map<std::string, std::string> meta;   // e.g. a vid2vid clip's sequence and start frame

  const Tensor<T, cpu>& operator[](const std::string& key) const {
    auto it = tensors.find(key);
    if (it == tensors.end()) {
      std::string have;
      for (auto& [k, v] : tensors) have += (have.empty() ? "" : ", ") + k;
      ganlib::detail::fail("Sample: no tensor named \"", key, "\" in sample ", index, " ('", path,
                   "'); it has: ", have);
    }
    return it->second;
  }
  bool has(const std::string& key) const { return tensors.count(key) != 0; }
};

// A private random stream for one sample: Philox keyed by a 64-bit key, counter from 0.
class SampleRng {
 public:
  explicit SampleRng(uint64_t key = 0) : key_(key) {}
  uint64_t key() const { return key_; }
  uint32_t next_u32() {
    if (used_ == 4) {
      block_ = philox::draw(key_, 0x53414d504c45ull /* "SAMPLE" */, counter_++);
      used_ = 0;
    }
    return block_.v[used_++];
  }
  uint64_t next_u64() {
    const uint64_t hi = next_u32();
    return hi << 32 | next_u32();
  }
  // Uniform in [0, 1), 53 random bits (like Python's random.random()).
  double uniform() { return double(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform integer in [lo, hi] inclusive (like Python's random.randint); lo when hi < lo.
  int64_t randint(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    const uint64_t span = uint64_t(hi - lo) + 1;
    return lo + int64_t((unsigned __int128)next_u64() * span >> 64);
  }

 private:
  uint64_t key_;
  uint64_t counter_ = 0;
  philox::Block block_{};
  int used_ = 4;
};

// Streams the loader draws from, apart from each other for the same (seed, epoch).
namespace detail {
inline constexpr uint64_t kShuffleStream = 1, kSampleStream = 2;
inline uint64_t epoch_counter(int64_t epoch, uint64_t stream) { return uint64_t(epoch) << 4 | stream; }
}  // namespace detail

// The key of sample `index`'s stream in epoch `epoch` of a run seeded with `seed`.
inline uint64_t sample_key(uint64_t seed, int64_t epoch, int64_t index) {
  const auto b = philox::draw(seed, detail::epoch_counter(epoch, detail::kSampleStream), uint64_t(index));
  return uint64_t(b.v[0]) << 32 | b.v[1];
}

template <class T = float>
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // The item at `index` (0 <= index < size()); random choices only from `rng`.
  virtual Sample<T> get(int64_t index, SampleRng& rng) const = 0;
  // A short description for messages ("pix2pixhd 'data/train' (12 items)").
  virtual std::string describe() const { return "dataset of " + std::to_string(size()) + " items"; }

  // The item with the stream of (seed 0, epoch 0): handy outside a loader.
  Sample<T> sample(int64_t index) const {
    SampleRng rng(sample_key(0, 0, index));
    return get(index, rng);
  }

 protected:
  void check_index(int64_t index) const {
    GANLIB_CHECK(index >= 0 && index < size(), describe(), ": index ", index, " is out of range [0, ",
                 size(), ")");
  }
};

// ---- file listings ------------------------------------------------------------------------

// pix2pixHD's IMG_EXTENSIONS, less .tiff (we have no TIFF decoder: such files are refused by
// name rather than skipped, so a dataset never silently loses half its pairs), plus .pgm.
inline bool is_image_file(const std::filesystem::path& p) {
  std::string e = p.extension().string();
  for (auto& c : e) c = char(std::tolower(static_cast<unsigned char>(c)));
  return e == ".png" || e == ".jpg" || e == ".jpeg" || e == ".ppm" || e == ".pgm" || e == ".bmp";
}
inline bool is_tiff_file(const std::filesystem::path& p) {
  std::string e = p.extension().string();
  for (auto& c : e) c = char(std::tolower(static_cast<unsigned char>(c)));
  return e == ".tif" || e == ".tiff";
}

// Every image file under `dir` (recursively unless told not to), sorted by path, as
// pix2pixHD's sorted(make_dataset(dir)). `who` prefixes error messages.
inline std::vector<std::string> list_images(const std::string& dir, const std::string& who,
                                            bool recursive = true) {
  namespace fs = std::filesystem;
  std::error_code ec;
  GANLIB_CHECK(fs::is_directory(dir, ec), who, ": '", dir, "' is not a folder",
               fs::exists(dir, ec) ? "" : " (it does not exist)");
  std::vector<std::string> out;
  auto visit = [&](const fs::directory_entry& e) {
    if (!e.is_regular_file()) return;
    if (is_tiff_file(e.path()))
      ganlib::detail::fail(who, ": '", e.path().string(), "' is a TIFF file, which ganlib cannot read; "
                   "convert it to PNG");
    if (is_image_file(e.path())) out.push_back(e.path().string());
  };
  try {
    if (recursive)
      for (auto& e : fs::recursive_directory_iterator(dir)) visit(e);
    else
      for (auto& e : fs::directory_iterator(dir)) visit(e);
  } catch (const fs::filesystem_error& e) {
    ganlib::detail::fail(who, ": cannot list '", dir, "': ", e.what());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Sub-folders of `dir`, sorted by name (classes of a class-folder dataset, vid2vid sequences).
inline std::vector<std::string> list_subfolders(const std::string& dir, const std::string& who) {
  namespace fs = std::filesystem;
  std::error_code ec;
  GANLIB_CHECK(fs::is_directory(dir, ec), who, ": '", dir, "' is not a folder",
               fs::exists(dir, ec) ? "" : " (it does not exist)");
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The name two paired files must share: the file stem without a Cityscapes role suffix, so that
// aachen_000000_000019_gtFine_labelIds.png pairs with aachen_000000_000019_leftImg8bit.png, as in
// pix2pixHD's bundled sample.
inline std::string pairing_stem(const std::string& path) {
  std::string s = std::filesystem::path(path).stem().string();
  for (const char* suffix : {"_gtFine_labelIds", "_gtFine_instanceIds", "_gtFine_color",
                             "_gtFine_trainIds", "_leftImg8bit", "_gtCoarse_labelIds",
                             "_gtCoarse_instanceIds"}) {
    const std::string x(suffix);
    if (s.size() > x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0) {
      s.erase(s.size() - x.size());
      break;
    }
  }
  return s;
}

// Checks that two sorted listings pair up one to one: same count, same stems (when
// check_names), naming the first offending files.
inline void check_pairing(const std::vector<std::string>& a, const std::string& a_dir,
                          const std::vector<std::string>& b, const std::string& b_dir,
                          const std::string& who, bool check_names = true) {
  if (a.size() != b.size()) {
    // Name the first file that has no partner, so the user knows where to look.
    std::string first_extra;
    const auto& longer = a.size() > b.size() ? a : b;
    const auto& shorter = a.size() > b.size() ? b : a;
    std::vector<std::string> stems;
    for (auto& p : shorter) stems.push_back(pairing_stem(p));
    std::sort(stems.begin(), stems.end());
    for (auto& p : longer)
      if (!std::binary_search(stems.begin(), stems.end(), pairing_stem(p))) {
        first_extra = p;
        break;
      }
    ganlib::detail::fail(who, ": '", a_dir, "' holds ", a.size(), " images but '", b_dir, "' holds ",
                 b.size(), "; files pair by sorted name",
                 first_extra.empty() ? std::string() : "; '" + first_extra + "' has no partner");
  }
  if (!check_names) return;
  for (size_t i = 0; i < a.size(); ++i)
    GANLIB_CHECK(pairing_stem(a[i]) == pairing_stem(b[i]), who, ": file ", i, " of '", a_dir,
                 "' is '", a[i], "' but file ", i, " of '", b_dir, "' is '", b[i],
                 "'; their names differ (files pair by sorted name)");
}

}  // namespace ganlib::data

// zoo/masknet/options.hpp — the mask net's options (network size, loss weights, post-processing)
// and a small command-line flag parser for its programs.
// Contract: defaults are the configuration the README's numbers were measured with; flags are
// "--key value" or "--key=value", and an unknown key, a missing value or a value of the wrong
// type is a ganlib::Error naming the flag.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ganlib/core/error.hpp"
#include "ganlib/data/synthetic/cityscapes_ids.hpp"

namespace ganlib::zoo::masknet {

// The network: a DeepLab-style encoder (output stride 8) with an ASPP-lite head and a decoder
// that returns to stride 4, then semantic logits and Panoptic-DeepLab's centre/offset heads.
struct MaskNetOptions {
  int64_t num_classes = cityscapes::label_nc;  // logits per Cityscapes label id 0…34
  int64_t width = 16;                          // base channel count c (encoder c, 2c, 4c)
  std::vector<int64_t> aspp_rates = {2, 4, 6}; // atrous rates of the ASPP's 3×3 branches at stride 8
  bool image_pooling = true;                   // ASPP's global-average-pool branch
};

// Loss weights (Panoptic-DeepLab: semantic 1, centre MSE 200, offset L1 0.01; the offset weight
// is raised here because our offsets are in pixels of a frame 8× smaller than Cityscapes').
struct LossOptions {
  double semantic_weight = 1.0;
  double center_weight = 200.0;
  double offset_weight = 0.05;
  double center_sigma = 4.0;     // Gaussian σ (pixels) of the centre heat-map targets
  int64_t ignore_index = 255;    // label ids ≥ num_classes are mapped to this and ignored
};

// Post-processing (Panoptic-DeepLab's defaults, scaled to 256×128 frames).
struct PostprocessOptions {
  double center_threshold = 0.1;  // a centre is a local maximum of the heat-map above this
  int64_t nms_kernel = 7;         // local maximum over a k×k window (max-pool NMS)
  int64_t top_k = 200;            // at most this many centres per image
  int64_t min_area = 8;           // instances smaller than this (pixels) are dropped
};

// Which label ids carry instances: Cityscapes' hasInstances (person … bicycle).
inline std::vector<bool> cityscapes_thing_classes(int64_t num_classes) {
  std::vector<bool> t(size_t(num_classes), false);
  for (int64_t c = 0; c < num_classes; ++c) t[size_t(c)] = cityscapes::has_instances(int(c));
  return t;
}

// ---- flags -------------------------------------------------------------------------------------
class Flags {
 public:
  explicit Flags(std::string program) : program_(std::move(program)) {}

  Flags& add(const std::string& key, const std::string& def, const std::string& help) {
    GANLIB_CHECK(!entries_.count(key), program_, ": flag --", key, " declared twice");
    entries_[key] = {def, help, false};
    order_.push_back(key);
    return *this;
  }
  // Parses argv; returns false if --help was given (help() has the text).
  bool parse(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--help" || a == "-h") return false;
      GANLIB_CHECK(a.rfind("--", 0) == 0 && a.size() > 2, program_, ": unexpected argument \"", a,
                   "\" (flags are --key value or --key=value; --help lists them)");
      std::string key = a.substr(2), value;
      const auto eq = key.find('=');
      bool have = false;
      if (eq != std::string::npos) value = key.substr(eq + 1), key = key.substr(0, eq), have = true;
      auto it = entries_.find(key);
      GANLIB_CHECK(it != entries_.end(), program_, ": unknown flag --", key, " (--help lists the flags)");
      if (!have) {
        GANLIB_CHECK(i + 1 < argc, program_, ": flag --", key, " needs a value");
        value = argv[++i];
      }
      it->second.value = value;
      it->second.set = true;
    }
    return true;
  }
  bool was_set(const std::string& key) const { return entry(key).set; }
  std::string str(const std::string& key) const { return entry(key).value; }
  double num(const std::string& key) const {
    const std::string& v = entry(key).value;
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    GANLIB_CHECK(!v.empty() && end && *end == 0, program_, ": flag --", key, " needs a number, got \"", v, "\"");
    return d;
  }
  int64_t integer(const std::string& key) const {
    const std::string& v = entry(key).value;
    char* end = nullptr;
    const long long d = std::strtoll(v.c_str(), &end, 10);
    GANLIB_CHECK(!v.empty() && end && *end == 0, program_, ": flag --", key, " needs an integer, got \"", v, "\"");
    return d;
  }
  bool boolean(const std::string& key) const {
    const std::string& v = entry(key).value;
    if (v == "1" || v == "true") return true;
    if (v == "0" || v == "false") return false;
    ganlib::detail::fail(program_, ": flag --", key, " needs 1/0/true/false, got \"", v, "\"");
  }
  std::vector<int64_t> int_list(const std::string& key) const {
    std::vector<int64_t> out;
    std::stringstream ss(entry(key).value);
    std::string item;
    while (std::getline(ss, item, ',')) {
      char* end = nullptr;
      const long long d = std::strtoll(item.c_str(), &end, 10);
      GANLIB_CHECK(!item.empty() && end && *end == 0, program_, ": flag --", key,
                   " needs comma-separated integers, got \"", entry(key).value, "\"");
      out.push_back(d);
    }
    return out;
  }
  // Every flag's value, for checkpoints and opt.txt.
  std::map<std::string, std::string> values() const {
    std::map<std::string, std::string> m;
    for (auto& [k, e] : entries_) m[k] = e.value;
    return m;
  }
  std::string help() const {
    std::ostringstream s;
    s << "usage: " << program_ << " [--flag value ...]\n";
    for (auto& k : order_) {
      const auto& e = entries_.at(k);
      s << "  --" << k << " (default \"" << e.value << "\")  " << e.help << "\n";
    }
    return s.str();
  }

 private:
  struct Entry {
    std::string value, help;
    bool set = false;
  };
  const Entry& entry(const std::string& key) const {
    auto it = entries_.find(key);
    GANLIB_CHECK(it != entries_.end(), program_, ": no flag --", key, " was declared");
    return it->second;
  }
  std::string program_;
  std::map<std::string, Entry> entries_;
  std::vector<std::string> order_;
};

}  // namespace ganlib::zoo::masknet

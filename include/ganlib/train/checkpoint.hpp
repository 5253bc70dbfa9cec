// train/checkpoint.hpp — checkpoint rotation and resume: one safetensors file per checkpoint
// (<dir>/<prefix>_<step, 10 digits>.safetensors) holding named tensors and metadata strings
// (step, options JSON, RNG state, anything else), written atomically.
// Contract: save() writes through safetensors::save (temp file + fsync + rename), so a crash
// leaves the previous files intact and no partial file under a checkpoint name; after a
// successful save only the newest keep_last files remain (files of later steps, left by a run
// this one resumed before, are set aside as *.stale, and temp files that a killed writer left
// behind (.<prefix>_<step>.safetensors.tmp.XXXXXX) are removed). load_latest() returns the newest
// file that parses and whose "step" metadata matches its name, skipping (and reporting) damaged
// ones. Restoring copies values into existing tensors in place, checking names and shapes.
// Independent of nn/: anything with state_dict() / load_state_dict() (nn::Module, optimizers)
// can be added or restored under a name prefix.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/generator.hpp"
#include "../io/safetensors.hpp"

namespace ganlib::train {

template <class T, class B = default_backend>
using TensorMap = std::map<std::string, Tensor<T, B>>;

// What has state_dict() returning a map of tensors and load_state_dict(map): nn::Module,
// optim::Adam/SGD, EMA helpers.
template <class M>
concept HasStateDict = requires(M& m, const M& cm) {
  { cm.state_dict() };
  typename std::remove_cvref_t<decltype(cm.state_dict())>::mapped_type;
  m.load_state_dict(cm.state_dict());
};

// A Generator's state as a metadata string, and back.
inline std::string generator_state(const Generator& g) {
  return nlohmann::json{{"seed", g.seed()}, {"offset", g.offset()}}.dump();
}
inline void set_generator_state(Generator& g, const std::string& s) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(s);
  } catch (const std::exception& e) {
    ganlib::detail::fail("checkpoint: malformed generator state '", s, "' (", e.what(), ")");
  }
  GANLIB_CHECK(j.is_object() && j.contains("seed") && j.contains("offset") && j["seed"].is_number_unsigned() &&
                   j["offset"].is_number_unsigned(),
               "checkpoint: generator state '", s, "' needs unsigned \"seed\" and \"offset\"");
  g.set_state(j["seed"].get<uint64_t>(), j["offset"].get<uint64_t>());
}

// Builds the contents of one checkpoint.
class CheckpointWriter {
 public:
  template <class T, class B>
  CheckpointWriter& add(const std::string& name, const Tensor<T, B>& t) {
    GANLIB_CHECK(!name.empty() && name != "__metadata__", "checkpoint: invalid tensor name '", name, "'");
    GANLIB_CHECK(!file_.tensors.count(name), "checkpoint: tensor '", name, "' added twice");
    file_.tensors[name] = safetensors::entry_from(t);
    return *this;
  }
  template <class T, class B>
  CheckpointWriter& add(const TensorMap<T, B>& tensors, const std::string& prefix = "") {
    for (auto& [k, t] : tensors) add(prefix + k, t);
    return *this;
  }
  // A module's or optimizer's state_dict under `prefix` ("netG." → "netG.model.1.weight").
  template <HasStateDict M>
  CheckpointWriter& add_state(const std::string& prefix, const M& m) {
    for (auto& [k, t] : m.state_dict()) add(prefix + k, t);
    return *this;
  }
  CheckpointWriter& meta(const std::string& key, const std::string& value) {
    file_.metadata[key] = value;
    return *this;
  }
  CheckpointWriter& generator(const std::string& name, const Generator& g) {
    return meta("rng." + name, generator_state(g));
  }
  safetensors::File& file() { return file_; }

 private:
  safetensors::File file_;
};

// One loaded checkpoint.
struct Checkpoint {
  std::string path;
  int64_t step = -1;
  safetensors::File file;

  bool has(const std::string& name) const { return file.tensors.count(name) != 0; }
  bool has_meta(const std::string& key) const { return file.metadata.count(key) != 0; }
  const std::string& meta(const std::string& key) const {
    auto it = file.metadata.find(key);
    GANLIB_CHECK(it != file.metadata.end(), "checkpoint '", path, "' has no metadata '", key, "'");
    return it->second;
  }
  template <class T = float, class B = default_backend>
  Tensor<T, B> tensor(const std::string& name) const {
    auto it = file.tensors.find(name);
    GANLIB_CHECK(it != file.tensors.end(), "checkpoint '", path, "' has no tensor '", name, "'");
    return safetensors::to_tensor<T, B>(it->second);
  }
  void restore_generator(const std::string& name, Generator& g) const { set_generator_state(g, meta("rng." + name)); }

  // Copies the tensors named prefix + key into each into[key], in place (handles held elsewhere,
  // e.g. by an optimizer, see the new values). strict: every key must be in the file.
  // Returns the keys that were missing (non-strict).
  template <class T, class B>
  std::vector<std::string> restore(TensorMap<T, B>& into, const std::string& prefix = "", bool strict = true) const {
    std::vector<std::string> missing;
    for (auto& [k, dst] : into) {
      auto it = file.tensors.find(prefix + k);
      if (it == file.tensors.end()) {
        GANLIB_CHECK(!strict, "checkpoint '", path, "' has no tensor '", prefix + k, "'");
        missing.push_back(k);
        continue;
      }
      GANLIB_CHECK(it->second.shape == dst.shape(), "checkpoint '", path, "': tensor '", prefix + k,
                   "' has shape ", to_string(it->second.shape), " but the target has ", to_string(dst.shape()));
      GANLIB_CHECK(dst.is_contiguous(), "checkpoint: restoring '", prefix + k, "' needs a contiguous target");
      const Tensor<T, cpu> host = safetensors::to_tensor<T, cpu>(it->second);
      B::copy_from_host(dst.data(), host.data(), size_t(host.numel()) * sizeof(T));
      dst.bump_version();
    }
    return missing;
  }
  // Loads a module's or optimizer's state saved with add_state(prefix, m).
  template <HasStateDict M>
  void restore_state(const std::string& prefix, M& m) const {
    using TensorT = typename std::remove_cvref_t<decltype(m.state_dict())>::mapped_type;
    using T = typename TensorT::value_type;
    using B = typename TensorT::backend;
    std::remove_cvref_t<decltype(m.state_dict())> dict;
    for (auto& [name, e] : file.tensors)
      if (name.compare(0, prefix.size(), prefix) == 0) dict[name.substr(prefix.size())] = safetensors::to_tensor<T, B>(e);
    m.load_state_dict(dict);
  }
};

struct CheckpointOptions {
  std::string dir;
  std::string prefix = "ckpt";
  int64_t every_steps = 1000;  // due(step) when step is a multiple; 0: only when asked
  int keep_last = 3;           // files kept after a save; 0 keeps all
};

class CheckpointManager {
 public:
  explicit CheckpointManager(CheckpointOptions o) : o_(std::move(o)) {
    GANLIB_CHECK(!o_.dir.empty(), "CheckpointManager: empty folder name");
    GANLIB_CHECK(!o_.prefix.empty() && o_.prefix.find('/') == std::string::npos,
                 "CheckpointManager: invalid prefix '", o_.prefix, "'");
    GANLIB_CHECK(o_.every_steps >= 0 && o_.keep_last >= 0, "CheckpointManager: every_steps (", o_.every_steps,
                 ") and keep_last (", o_.keep_last, ") must be >= 0");
    io::make_folders(o_.dir, "CheckpointManager");
  }
  const CheckpointOptions& options() const { return o_; }

  bool due(int64_t step) const { return o_.every_steps > 0 && step > 0 && step % o_.every_steps == 0; }

  std::string path_for(int64_t step) const {
    char b[48];  // "_" + up to 20 digits + ".safetensors": room for any int64 step
    std::snprintf(b, sizeof b, "_%010lld.safetensors", (long long)step);
    return (std::filesystem::path(o_.dir) / (o_.prefix + b)).string();
  }

  // Checkpoint files by step, oldest first (temp files of interrupted writes are not listed).
  std::vector<std::pair<int64_t, std::string>> list() const {
    std::vector<std::pair<int64_t, std::string>> out;
    const std::regex pat(std::regex_replace(o_.prefix, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                         R"(_(\d+)\.safetensors)");
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(o_.dir, ec)) {
      std::smatch m;
      const std::string f = e.path().filename().string();
      if (e.is_regular_file() && std::regex_match(f, m, pat)) out.emplace_back(std::stoll(m[1].str()), e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Writes checkpoint `step` (metadata "step" is set here) and drops the oldest beyond keep_last.
  std::string save(int64_t step, safetensors::File file) {
    GANLIB_CHECK(step >= 0, "CheckpointManager: negative step ", step);
    file.metadata["step"] = std::to_string(step);
    file.metadata["format"] = "ganlib-checkpoint-1";
    const std::string path = path_for(step);
    safetensors::save(path, file);
    rotate(step);
    return path;
  }
  std::string save(int64_t step, CheckpointWriter& w) { return save(step, w.file()); }
  std::string save(int64_t step, const std::function<void(CheckpointWriter&)>& fill) {
    CheckpointWriter w;
    fill(w);
    return save(step, w.file());
  }
  template <class T, class B>
  std::string save(int64_t step, const TensorMap<T, B>& tensors, const std::map<std::string, std::string>& meta = {}) {
    CheckpointWriter w;
    w.add(tensors);
    for (auto& [k, v] : meta) w.meta(k, v);
    return save(step, w.file());
  }

  // The newest readable checkpoint, or nothing. Damaged files are skipped and listed in skipped().
  std::optional<Checkpoint> load_latest() {
    skipped_.clear();
    auto files = list();
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
      try {
        Checkpoint c;
        c.path = it->second;
        c.file = safetensors::load(it->second);
        auto s = c.file.metadata.find("step");
        GANLIB_CHECK(s != c.file.metadata.end() && s->second == std::to_string(it->first), "checkpoint '",
                     it->second, "': its \"step\" metadata does not match its name");
        c.step = it->first;
        return c;
      } catch (const Error& e) {
        skipped_.push_back(e.what());
      }
    }
    return std::nullopt;
  }
  // Why files were passed over by the last load_latest().
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  // Files with a later step than the one just saved belong to an abandoned run (this one resumed
  // from an earlier checkpoint): they are renamed to *.stale, so that the next resume continues
  // this run, but not deleted. Then the oldest beyond keep_last go.
  void rotate(int64_t saved_step) {
    sweep_temp_files();
    auto files = list();
    std::vector<std::pair<int64_t, std::string>> kept;
    for (auto& f : files) {
      std::error_code ec;
      if (f.first > saved_step) std::filesystem::rename(f.second, f.second + ".stale", ec);
      else kept.push_back(f);
    }
    if (o_.keep_last <= 0) return;
    for (size_t i = 0; i + size_t(o_.keep_last) < kept.size(); ++i) {
      std::error_code ec;
      std::filesystem::remove(kept[i].second, ec);
    }
  }

  // A save that was killed between creating its temp file and renaming it leaves the temp file
  // behind; it can never become a checkpoint, so once a save has succeeded it is removed. (One
  // run per folder and prefix: another live writer's temp file would look the same.)
  void sweep_temp_files() {
    const std::regex pat("\\." + std::regex_replace(o_.prefix, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                         R"(_\d+\.safetensors\.tmp\.[A-Za-z0-9]{6})");
    std::error_code ec;
    std::vector<std::filesystem::path> dead;
    for (auto& e : std::filesystem::directory_iterator(o_.dir, ec))
      if (e.is_regular_file() && std::regex_match(e.path().filename().string(), pat)) dead.push_back(e.path());
    for (auto& p : dead) std::filesystem::remove(p, ec);
  }

  CheckpointOptions o_;
  std::vector<std::string> skipped_;
};

}  // namespace ganlib::train

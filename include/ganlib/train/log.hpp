// train/log.hpp — scalar logs: JSON lines appended to a file (one object per logged step), and
// pix2pixHD's loss_log.txt.
// Contract: each record is one line written with a single append, {"step":…, "epoch":…,
// "time":…, <name>: <value>, …} in the caller's order; non-finite values are written as null
// and read back as NaN. read_scalar_log() returns every record; a torn last line (a crash
// mid-write) is skipped, any other malformed line is a ganlib::Error naming file and line.
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../io/atomic_file.hpp"
#include "progress.hpp"

namespace ganlib::train {

struct ScalarRecord {
  int64_t step = 0, epoch = 0;
  double time = 0;  // seconds since the Unix epoch
  Scalars values;

  // The value named `key`, or NaN.
  double get(const std::string& key) const {
    for (auto& [k, v] : values)
      if (k == key) return v;
    return std::numeric_limits<double>::quiet_NaN();
  }
};

inline double unix_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace detail {
inline void append_text(const std::string& path, const std::string& text, const char* who) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  GANLIB_CHECK(fd >= 0, who, ": cannot open '", path, "' for appending: ", std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {  // one write() for a line in practice: O_APPEND keeps it whole
    const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int e = errno;
      ::close(fd);
      ganlib::detail::fail(who, ": writing '", path, "' failed: ", std::strerror(e));
    }
    done += size_t(w);
  }
  ::close(fd);
}
inline bool reserved_key(const std::string& k) { return k == "step" || k == "epoch" || k == "time"; }
}  // namespace detail

inline std::string scalar_record_json(const ScalarRecord& r) {
  nlohmann::ordered_json j;
  j["step"] = r.step;
  j["epoch"] = r.epoch;
  j["time"] = r.time;
  for (auto& [k, v] : r.values) {
    GANLIB_CHECK(!detail::reserved_key(k), "scalar log: '", k, "' is reserved (step, epoch, time)");
    if (std::isfinite(v)) j[k] = v;
    else j[k] = nullptr;
  }
  return j.dump();
}

inline ScalarRecord parse_scalar_record(const std::string& line, const std::string& where) {
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(line);
  } catch (const std::exception& e) {
    ganlib::detail::fail("scalar log: ", where, ": malformed JSON (", e.what(), ")");
  }
  GANLIB_CHECK(j.is_object() && j.contains("step") && j["step"].is_number_integer(), "scalar log: ",
               where, ": a record needs an integer \"step\"");
  ScalarRecord r;
  r.step = j["step"].get<int64_t>();
  if (j.contains("epoch") && j["epoch"].is_number_integer()) r.epoch = j["epoch"].get<int64_t>();
  if (j.contains("time") && j["time"].is_number()) r.time = j["time"].get<double>();
  for (auto& [k, v] : j.items()) {
    if (detail::reserved_key(k)) continue;
    if (v.is_number()) r.values.emplace_back(k, v.get<double>());
    else if (v.is_null()) r.values.emplace_back(k, std::numeric_limits<double>::quiet_NaN());
    else ganlib::detail::fail("scalar log: ", where, ": value of \"", k, "\" is not a number");
  }
  return r;
}

// Every record of a JSON-lines log, in file order (empty if the file does not exist).
inline std::vector<ScalarRecord> read_scalar_log(const std::string& path) {
  std::vector<ScalarRecord> out;
  if (!std::filesystem::exists(path)) return out;
  const auto bytes = io::read_file_bytes(path);
  size_t pos = 0, line_no = 0;
  while (pos < bytes.size()) {
    size_t end = pos;
    while (end < bytes.size() && bytes[end] != '\n') ++end;
    ++line_no;
    const std::string line(bytes.begin() + long(pos), bytes.begin() + long(end));
    const bool torn = end == bytes.size();  // no newline: the writer was interrupted
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(parse_scalar_record(line, "'" + path + "' line " + std::to_string(line_no)));
    } catch (const Error&) {
      if (torn) break;
      throw;
    }
  }
  return out;
}

// Appends one JSON object per call to a .jsonl file.
class ScalarLog {
 public:
  explicit ScalarLog(std::string path) : path_(std::move(path)) {
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) io::make_folders(parent.string(), "log");
  }
  const std::string& path() const { return path_; }

  void append(int64_t step, int64_t epoch, const Scalars& values, double time = unix_time()) {
    append(ScalarRecord{step, epoch, time, values});
  }
  void append(const ScalarRecord& r) { detail::append_text(path_, scalar_record_json(r) + "\n", "scalar log"); }

  std::vector<ScalarRecord> read() const { return read_scalar_log(path_); }

  // Drops records after `step` (a resumed run repeats those steps), rewriting atomically.
  void truncate_after(int64_t step) {
    if (!std::filesystem::exists(path_)) return;
    std::string text;
    for (auto& r : read())
      if (r.step <= step) text += scalar_record_json(r) + "\n";
    io::write_file_atomic(path_, text);
  }

 private:
  std::string path_;
};

// pix2pixHD's loss_log.txt (util/visualizer.py): a header per run, then one line per report,
// "(epoch: 3, iters: 400, time: 0.123) G_GAN: 0.712 G_GAN_Feat: 2.345 … " with zero-valued
// terms omitted; `time` is the reference's seconds per image.
class LossLogTxt {
 public:
  explicit LossLogTxt(std::string path, bool write_header = true) : path_(std::move(path)) {
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) io::make_folders(parent.string(), "log");
    if (write_header) {
      const std::time_t t = std::time(nullptr);
      char date[64];
      std::strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", std::localtime(&t));
      detail::append_text(path_, "================ Training Loss (" + std::string(date) + ") ================\n",
                          "loss log");
    }
  }
  static std::string format(int64_t epoch, int64_t iters, double time, const Scalars& errors) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "(epoch: %lld, iters: %lld, time: %.3f) ", (long long)epoch, (long long)iters, time);
    std::string s = buf;
    for (auto& [k, v] : errors) {
      if (v == 0) continue;
      std::snprintf(buf, sizeof buf, ": %.3f ", v);
      s += k + buf;
    }
    return s;
  }
  // Appends the line and returns it (the reference also prints it).
  std::string append(int64_t epoch, int64_t iters, double time, const Scalars& errors) {
    const std::string line = format(epoch, iters, time, errors);
    detail::append_text(path_, line + "\n", "loss log");
    return line;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ganlib::train

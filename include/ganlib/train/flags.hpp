// train/flags.hpp — the command-line flag parser of the zoo programs that have no reference
// option set to mirror (FlowNet2's and the mask net's): flags are declared with a default and a
// help line; "--key value" and "--key=value" are read; an unknown key, a missing value or a value
// of the wrong type is a ganlib::Error naming the flag.
// Contract: str/num/integer/boolean/list/int_list convert the stored text (bool accepts
// 1/0/true/false); help() lists every flag with its default; values() gives them all for logs
// and checkpoint metadata.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../core/error.hpp"

namespace ganlib::train {

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
      if (eq != std::string::npos) {
        value = key.substr(eq + 1), key = key.substr(0, eq), have = true;
      }
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
  // A comma-separated list.
  std::vector<std::string> list(const std::string& key) const {
    std::vector<std::string> out;
    std::stringstream ss(entry(key).value);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(item);
    return out;
  }

  // A comma-separated list of integers.
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
  std::string help() const {
    std::string s = "usage: " + program_ + " [--flag value]...\n";
    for (auto& k : order_) {
      const auto& e = entries_.at(k);
      s += "  --" + k + " (default \"" + e.def + "\"): " + e.help + "\n";
    }
    return s;
  }
  // "key=value" for every flag, for logs and checkpoint metadata.
  std::map<std::string, std::string> values() const {
    std::map<std::string, std::string> m;
    for (auto& [k, e] : entries_) m[k] = e.value;
    return m;
  }

 private:
  struct Entry {
    std::string value, help;
    bool set;
    std::string def;
    Entry() = default;
    Entry(std::string d, std::string h, bool s) : value(d), help(std::move(h)), set(s), def(std::move(d)) {}
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

}  // namespace ganlib::train

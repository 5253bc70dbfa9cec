// tests/io/test_fuzz_regressions.cpp — replays the fuzz targets' inputs through the same entry
// points (tests/fuzz/harness.hpp) in the normal and the sanitizer builds: every committed crash
// input (tests/fuzz/regressions/<target>/) must now be refused with a ganlib::Error (one named ok-* is valid and must parse), and every
// seed (tests/fuzz/corpus/<target>/) must parse or be refused with one — never a crash.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "../fuzz/harness.hpp"

namespace fs = std::filesystem;
using namespace ganlib;

namespace {
using RunFn = void (*)(const uint8_t*, size_t);
const std::vector<std::pair<std::string, RunFn>>& targets() {
  static const std::vector<std::pair<std::string, RunFn>> t{
      {"image", fuzz::run_image},   {"label_png", fuzz::run_label_png}, {"safetensors", fuzz::run_safetensors},
      {"checkpoint", fuzz::run_checkpoint}, {"idx", fuzz::run_idx}, {"flo", fuzz::run_flo},
      {"options", fuzz::run_options}};
  return t;
}
std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (fs::is_directory(dir, ec))
    for (auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}
const fs::path kFuzzDir = fs::path(GANLIB_SOURCE_DIR) / "tests" / "fuzz";
}  // namespace

TEST_CASE("fuzz regressions: every committed crash input is now a ganlib::Error") {
  size_t n = 0;
  for (auto& entry : targets()) {
    auto& name = entry.first; auto& run = entry.second;
    for (auto& f : files_in(kFuzzDir / "regressions" / name)) {
      if (f.filename().string()[0] == '.' || f.extension() == ".md") continue;
      const auto b = io::read_file_bytes(f.string());
      INFO(name << ": " << f.filename().string());
      // "ok-*": an input that crashed a parser but is valid: it must now parse.
      if (f.filename().string().rfind("ok-", 0) == 0) CHECK_NOTHROW(run(b.data(), b.size()));
      else CHECK_THROWS_AS(run(b.data(), b.size()), Error);
      ++n;
    }
  }
  MESSAGE(n << " regression inputs replayed");
}

TEST_CASE("fuzz corpora: every seed parses or is refused with a ganlib::Error") {
  size_t n = 0, parsed = 0;
  for (auto& entry : targets()) {
    auto& name = entry.first; auto& run = entry.second;
    const auto files = files_in(kFuzzDir / "corpus" / name);
    CHECK_MESSAGE(!files.empty(), "no seed corpus for " << name);
    for (auto& f : files) {
      const auto b = io::read_file_bytes(f.string());
      INFO(name << ": " << f.filename().string());
      try {
        run(b.data(), b.size());
        ++parsed;
      } catch (const Error&) {
      }
      ++n;
    }
  }
  // All seeds are valid files except the RGB PNG offered to the label-map reader.
  CHECK(parsed + 1 == n);
}

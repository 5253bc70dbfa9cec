// tests/train/test_logging.cpp — the progress line (format, plain lines every N steps on a
// non-terminal, in-place rewrites on a terminal) and the scalar logs (JSON lines parse back,
// NaN as null, torn last line, pix2pixHD's loss_log.txt format).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "ganlib/train/log.hpp"
#include "ganlib/train/progress.hpp"

#include "../support/files.hpp"

using namespace ganlib;
using namespace ganlib::train;
namespace fs = std::filesystem;

using namespace ganlib_test;

namespace {
std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  std::string l;
  while (std::getline(ss, l)) v.push_back(l);
  return v;
}
}  // namespace

TEST_CASE("progress: plain lines every N steps on a non-terminal, with rate, ETA and losses") {
  std::ostringstream os;
  ProgressOptions o;
  o.total_steps = 1000;
  o.print_every = 100;
  o.terminal = 0;
  double now = 0;
  Progress p(o, os);
  p.set_clock([&] { return now; });
  CHECK_FALSE(p.is_terminal());
  for (int64_t step = 1; step <= 1000; ++step) {
    now += 0.25;  // 4 steps per second
    p.update(step, step / 300, {{"G_GAN", 0.5 + 1.0 / double(step)}, {"D_real", 0.25}});
  }
  const auto lines = lines_of(os.str());
  REQUIRE(lines.size() == 10);
  CHECK(os.str().find('\r') == std::string::npos);
  CHECK(lines[0] == "step 100/1000 (10.0%) | epoch 0 | 4.00 it/s | ETA 0:03:45 | G_GAN 0.51 D_real 0.25");
  CHECK(lines[4] == "step 500/1000 (50.0%) | epoch 1 | 4.00 it/s | ETA 0:02:05 | G_GAN 0.502 D_real 0.25");
  CHECK(lines[9].rfind("step 1000/1000 (100.0%) | epoch 3 | 4.00 it/s | ETA 0:00:00", 0) == 0);
  const std::regex shape(R"(step \d+/1000 \(\d+\.\d%\) \| epoch \d \| \d+\.\d+ it/s \| ETA \d+:\d\d:\d\d \| G_GAN \S+ D_real 0\.25)");
  for (auto& l : lines) CHECK(std::regex_match(l, shape));
}

TEST_CASE("progress: unknown total, resumed start, and the last step always printed") {
  std::ostringstream os;
  ProgressOptions o;
  o.print_every = 7;
  o.terminal = 0;
  o.start_step = 50;
  double now = 10;
  Progress p(o, os);
  p.set_clock([&] { return now; });
  for (int64_t step = 51; step <= 63; ++step) {
    now += 0.5;
    p.update(step, 2, {});
  }
  const auto lines = lines_of(os.str());
  REQUIRE(lines.size() == 2);  // steps 56 and 63
  CHECK(lines[0] == "step 56 | epoch 2 | 2.00 it/s");
  CHECK(lines[1] == "step 63 | epoch 2 | 2.00 it/s");
  CHECK(format_duration(93784) == "1d 02:03:04");
  CHECK(format_duration(NAN) == "?");
  CHECK(format_scalar(1.23456e-5) == "1.235e-05");
}

TEST_CASE("progress: a terminal line is rewritten in place with \\r and finished with a newline") {
  std::ostringstream os;
  ProgressOptions o;
  o.total_steps = 30;
  o.terminal = 1;
  double now = 0;
  {
    Progress p(o, os);
    p.set_clock([&] { return now; });
    for (int64_t step = 1; step <= 30; ++step) {
      now += 0.05;  // 20 steps/s: throttled to ~10 redraws/s
      p.update(step, 0, {{"loss", 1.0}});
    }
  }
  const std::string s = os.str();
  const auto redraws = std::count(s.begin(), s.end(), '\r');
  CHECK(redraws >= 10);
  CHECK(redraws <= 16);
  CHECK(std::count(s.begin(), s.end(), '\n') == 1);  // only the final newline
  CHECK(s.find("\x1b[K") != std::string::npos);
  CHECK(s.find("step 30/30 (100.0%)") != std::string::npos);
  CHECK(s.back() == '\n');
}

TEST_CASE("scalar log: JSON lines append, parse back in order, NaN as null") {
  TempDir dir("jsonl");
  const std::string path = (dir.path / "logs" / "scalars.jsonl").string();
  ScalarLog log(path);
  log.append(1, 0, {{"G_GAN", 0.75}, {"D_fake", 0.125}}, 1700000000.5);
  log.append(2, 0, {{"G_GAN", NAN}, {"D_fake", 1e-300}}, 1700000001.5);
  log.append(3, 1, {{"lr", 2e-4}});
  std::ifstream f(path);
  std::string first;
  std::getline(f, first);
  CHECK(first == R"({"step":1,"epoch":0,"time":1700000000.5,"G_GAN":0.75,"D_fake":0.125})");
  const auto recs = log.read();
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].values == Scalars{{"G_GAN", 0.75}, {"D_fake", 0.125}});
  CHECK(recs[1].step == 2);
  CHECK(std::isnan(recs[1].get("G_GAN")));
  CHECK(recs[1].get("D_fake") == 1e-300);
  CHECK(recs[2].epoch == 1);
  CHECK(recs[2].get("lr") == 2e-4);
  CHECK(recs[2].time > 1.6e9);
  CHECK_THROWS_WITH_AS(log.append(4, 0, {{"step", 1.0}}), doctest::Contains("'step' is reserved"), Error);

  // A torn last line (crash mid-write) is skipped; a bad line in the middle is an error.
  { std::ofstream(path, std::ios::app) << R"({"step":4,"epoch":1,"G_G)"; }
  CHECK(read_scalar_log(path).size() == 3);
  { std::ofstream(path, std::ios::app) << "\n" << R"({"step":5})" << "\n"; }
  CHECK_THROWS_WITH_AS(read_scalar_log(path), doctest::Contains("line 4: malformed JSON"), Error);
  // A resumed run drops what came after its checkpoint.
  ScalarLog again((dir.path / "b.jsonl").string());
  for (int s = 1; s <= 5; ++s) again.append(s, 0, {{"x", double(s)}});
  again.truncate_after(3);
  again.append(4, 0, {{"x", 40.0}});
  const auto r = again.read();
  REQUIRE(r.size() == 4);
  CHECK(r.back().get("x") == 40.0);
  CHECK(read_scalar_log((dir.path / "missing.jsonl").string()).empty());
}

TEST_CASE("loss_log.txt: pix2pixHD's header and line format, zero terms omitted") {
  TempDir dir("losslog");
  const std::string path = (dir.path / "loss_log.txt").string();
  LossLogTxt log(path);
  const std::string line =
      log.append(3, 400, 0.1234, {{"G_GAN", 0.7123}, {"G_GAN_Feat", 2.5}, {"G_VGG", 0.0}, {"D_real", 0.3}, {"D_fake", 0.25}});
  CHECK(line == "(epoch: 3, iters: 400, time: 0.123) G_GAN: 0.712 G_GAN_Feat: 2.500 D_real: 0.300 D_fake: 0.250 ");
  std::ifstream f(path);
  std::string header, l2;
  std::getline(f, header);
  std::getline(f, l2);
  CHECK(std::regex_match(header, std::regex(R"(================ Training Loss \(.+\) ================)")));
  CHECK(l2 == line);
}

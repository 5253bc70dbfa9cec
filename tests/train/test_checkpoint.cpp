// tests/train/test_checkpoint.cpp — checkpoint rotation (keep the last K), resume from the
// newest complete file (damaged, temp and mislabelled files passed over), in-place restore into
// tensor maps, modules and optimizers, RNG state, and a forked child that saves and exits 0
// on SIGTERM/SIGINT.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ganlib/nn/linear.hpp"
#include "ganlib/optim/adam.hpp"
#include "ganlib/train/checkpoint.hpp"
#include "ganlib/train/stop_signal.hpp"

#include "../support/files.hpp"

using namespace ganlib;
using namespace ganlib::train;
namespace fs = std::filesystem;

using namespace ganlib_test;

namespace {
std::vector<int64_t> steps_of(const CheckpointManager& m) {
  std::vector<int64_t> v;
  for (auto& [s, p] : m.list()) v.push_back(s);
  return v;
}

// A small training loop as a trainer would write it: resume, step, save when due or when a stop
// signal arrives, and return normally. `ready_fd` gets a byte once the loop is running.
int toy_loop(const std::string& dir, int64_t max_steps, int ready_fd) {
  StopSignal stop;
  CheckpointManager ckpt({dir, "toy", 50, 2});
  Generator gen(1234);
  // Plain host code only: in a forked child of a multi-threaded runner the CPU pool's workers do
  // not exist, so nothing here may hand work to them.
  auto w = from_vector<float, cpu>({0, 0, 0, 0}, {4});
  int64_t step = 0;
  TensorMap<float, cpu> state{{"w", w}};
  if (auto c = ckpt.load_latest()) {
    c->restore(state);
    c->restore_generator("noise", gen);
    step = c->step;
  }
  while (step < max_steps) {
    ++step;
    for (int i = 0; i < 4; ++i) w.data()[i] += 1.0f;  // "training": w counts the steps
    gen.next_offset(4);
    if (step == 3 && ready_fd >= 0) {
      const char c = 'r';
      if (::write(ready_fd, &c, 1) != 1) return 3;
    }
    if (ckpt.due(step) || stop.requested()) {
      CheckpointWriter wr;
      wr.add(state).generator("noise", gen).meta("options", R"({"lr":0.0002})");
      if (stop.requested()) wr.meta("reason", "signal " + std::to_string(stop.signal_number()));
      ckpt.save(step, wr);
    }
    if (stop.requested()) return 0;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return 0;
}

// Forks toy_loop, sends `sig` once it runs, and returns the child's wait status.
int run_and_signal(const std::string& dir, int sig) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    int rc = 4;
    try {
      rc = toy_loop(dir, 1000000, fds[1]);
    } catch (...) {
      rc = 5;
    }
    ::_exit(rc);  // no atexit handlers: this is a copy of the test runner
  }
  ::close(fds[1]);
  char c = 0;
  const bool started = ::read(fds[0], &c, 1) == 1;
  ::close(fds[0]);
  CHECK(started);
  ::kill(pid, sig);
  int status = 0;
  for (int i = 0; i < 1000; ++i) {  // up to 10 s
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  FAIL("the child did not exit within 10 s of signal ", sig);
  return status;
}
}  // namespace

TEST_CASE("checkpoint: rotation keeps the last K files; names sort by step") {
  TempDir dir("rotate");
  CheckpointManager m({dir.str(), "run", 100, 3});
  CHECK(m.due(200));
  CHECK_FALSE(m.due(150));
  CHECK_FALSE(m.due(0));
  auto t = from_vector<float, cpu>({1, 2, 3}, {3});
  for (int64_t s = 100; s <= 1200; s += 100) m.save(s, TensorMap<float, cpu>{{"t", t}});
  CHECK(steps_of(m) == std::vector<int64_t>{1000, 1100, 1200});
  CHECK(fs::path(m.path_for(1200)).filename() == "run_0000001200.safetensors");
  int files = 0;
  for (auto& e : fs::directory_iterator(dir.path)) (void)e, ++files;
  CHECK(files == 3);  // no temp files left
  CheckpointManager all({dir.str(), "run", 100, 0});
  all.save(1300, TensorMap<float, cpu>{{"t", t}});
  CHECK(steps_of(all).size() == 4);
}

TEST_CASE("checkpoint: resume picks the newest complete file") {
  TempDir dir("resume");
  CheckpointManager m({dir.str(), "ckpt", 10, 5});
  for (int64_t s : {10, 20, 30})
    m.save(s, TensorMap<float, cpu>{{"w", from_vector<float, cpu>({float(s), float(s) + 1}, {2})}}, {{"note", "s" + std::to_string(s)}});
  // Damage: the newest file cut short; a leftover temp file of an interrupted write; a file whose
  // name says 50 but whose metadata says 30.
  const auto p30 = m.path_for(30);
  fs::copy_file(p30, m.path_for(50));
  fs::resize_file(p30, fs::file_size(p30) - 3);
  { std::ofstream(dir.path / ".ckpt_0000000040.safetensors.tmp.Ab12Cd") << "partial"; }
  { std::ofstream(dir.path / ".other_0000000040.safetensors.tmp.Ab12Cd") << "partial"; }
  auto c = m.load_latest();
  REQUIRE(c.has_value());
  CHECK(c->step == 20);
  CHECK(c->meta("note") == "s20");
  CHECK(c->meta("step") == "20");
  CHECK(c->tensor<float>("w").to_vector() == std::vector<float>{20, 21});
  REQUIRE(m.skipped().size() == 2);
  CHECK(m.skipped()[0].find("does not match its name") != std::string::npos);
  CHECK(m.skipped()[1].find(p30) != std::string::npos);
  // Continuing from 20 and saving 30 again sets the abandoned later file aside.
  m.save(30, TensorMap<float, cpu>{{"w", from_vector<float, cpu>({7, 7}, {2})}});
  CHECK(steps_of(m) == std::vector<int64_t>{10, 20, 30});
  CHECK(fs::exists(m.path_for(50) + ".stale"));
  // ... and removes the killed writer's temp file (another prefix's temp file stays).
  CHECK_FALSE(fs::exists(dir.path / ".ckpt_0000000040.safetensors.tmp.Ab12Cd"));
  CHECK(fs::exists(dir.path / ".other_0000000040.safetensors.tmp.Ab12Cd"));
  CHECK(m.load_latest()->step == 30);
  TempDir empty("resume_empty");
  CheckpointManager none({empty.str()});
  CHECK_FALSE(none.load_latest().has_value());
}

TEST_CASE("checkpoint: restore copies in place into maps, modules and optimizers; RNG state") {
  TempDir dir("restore");
  CheckpointManager m({dir.str(), "ckpt", 1, 2});
  nn::Linear<float> net(3, 2);
  optim::Adam<float> opt(net.parameters(), {2e-4, 0.5, 0.999});
  auto x = from_vector<float, cpu>({1, 2, 3, -1, 0, 1}, {2, 3});
  sum(square(net(x))).backward();
  opt.step();
  Generator gen(77);
  gen.next_offset(100);
  auto extra = from_vector<double, cpu>({0.5, -2}, {2});
  m.save(5, [&](CheckpointWriter& w) {
    w.add_state("netG.", net).add_state("optimizer_G.", opt).add("extra", extra).generator("main", gen);
    w.meta("options", R"({"batchSize":1})");
  });

  auto c = m.load_latest();
  REQUIRE(c.has_value());
  CHECK(c->has("netG.weight"));
  CHECK(c->has("netG.bias"));
  CHECK(c->has("optimizer_G.state.0.exp_avg"));
  nn::Linear<float> net2(3, 2);
  optim::Adam<float> opt2(net2.parameters(), {2e-4, 0.5, 0.999});
  auto handle = net2.state_dict().at("weight");  // held elsewhere: must see the restored values
  c->restore_state("netG.", net2);
  c->restore_state("optimizer_G.", opt2);
  CHECK(handle.to_vector() == net.state_dict().at("weight").to_vector());
  CHECK(net2.state_dict().at("bias").to_vector() == net.state_dict().at("bias").to_vector());
  const auto s1 = opt.state_dict(), s2 = opt2.state_dict();
  REQUIRE(s1.size() == s2.size());
  for (auto& [k, t] : s1) CHECK(s2.at(k).to_vector() == t.to_vector());
  Generator g2(0);
  c->restore_generator("main", g2);
  CHECK(g2.seed() == 77);
  CHECK(g2.offset() == gen.offset());

  auto into = zeros<double, cpu>({2});
  const uint64_t v0 = into.version();
  TensorMap<double, cpu> map{{"extra", into}};
  c->restore(map);
  CHECK(into.to_vector() == std::vector<double>{0.5, -2});
  CHECK(into.version() > v0);
  TensorMap<double, cpu> wrong{{"extra", zeros<double, cpu>({3})}};
  CHECK_THROWS_WITH_AS(c->restore(wrong), doctest::Contains("'extra' has shape [2] but the target has [3]"), Error);
  TensorMap<double, cpu> missing{{"nope", zeros<double, cpu>({1})}, {"extra", zeros<double, cpu>({2})}};
  CHECK_THROWS_WITH_AS(c->restore(missing), doctest::Contains("has no tensor 'nope'"), Error);
  CHECK(c->restore(missing, "", false) == std::vector<std::string>{"nope"});
  CHECK_THROWS_WITH_AS(c->meta("epoch"), doctest::Contains("has no metadata 'epoch'"), Error);
}

TEST_CASE("checkpoint: SIGTERM or SIGINT to a running loop saves a checkpoint and exits 0") {
  for (int sig : {SIGTERM, SIGINT}) {
    TempDir dir(sig == SIGTERM ? "sigterm" : "sigint");
    const int status = run_and_signal(dir.str(), sig);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CheckpointManager m({dir.str(), "toy", 50, 2});
    auto c = m.load_latest();
    REQUIRE(c.has_value());
    CHECK(c->step >= 3);
    CHECK(c->meta("reason") == "signal " + std::to_string(sig));
    CHECK(c->meta("options") == R"({"lr":0.0002})");
    // The state saved is the state at that step.
    CHECK(c->tensor<float>("w").to_vector() == std::vector<float>(4, float(c->step)));
    Generator g(0);
    c->restore_generator("noise", g);
    CHECK(g.offset() == uint64_t(4 * c->step));
    // Resuming continues from there to the end.
    const int64_t stopped = c->step;
    CHECK(toy_loop(dir.str(), stopped + 60, -1) == 0);
    auto d = m.load_latest();
    REQUIRE(d.has_value());
    CHECK(d->step > stopped);
    CHECK(d->tensor<float>("w").to_vector() == std::vector<float>(4, float(d->step)));
  }
}

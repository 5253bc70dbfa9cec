// tests/optim/test_optim.cpp — Adam and SGD against torch.optim over 5 steps (two parameter
// groups, the second with its own lr), optimizer state round trip, LR schedules, EMA, gradient
// clipping, gradient accumulation, and BigGAN's ortho-reg gradient against finite differences.
#include <ganlib/optim.hpp>

#include "../nn/nn_ref.hpp"

using namespace ganlib;
using nnref::Ref;
using nnref::TD;
using Seq = nn::Sequential<double, cpu>;
using Lin = nn::Linear<double, cpu>;
using SGDd = optim::SGD<double, cpu>;

namespace {
std::shared_ptr<Seq> small_model() {
  return std::make_shared<Seq>(std::initializer_list<Seq::ModulePtr>{
      std::make_shared<Lin>(4, 3), std::make_shared<nn::Tanh<double, cpu>>(), std::make_shared<Lin>(3, 2)});
}
TD mse(const TD& a, const TD& b) { return mean(square(sub(a, b))); }

template <class Opt, class Options>
void check_against_torch(const std::string& name, Options o) {
  INFO(name);
  Ref r(name);
  auto m = small_model();
  m->load_state_dict(r.dict("sd."));
  using Group = typename Opt::Group;
  Options o2 = o;
  o2.lr = 0.05;
  Opt opt(std::vector<Group>{{(*m)[0]->parameters(), o}, {(*m)[2]->parameters(), o2}}, o);
  for (int s = 0; s < 5; ++s) {
    opt.zero_grad();
    mse(m->forward(r["x"]), r["y"]).backward();
    opt.step();
    for (auto& entry : m->named_state()) {
      auto& k = entry.first; auto& t = entry.second;
      INFO("step ", s, " ", k);
      CHECK_CLOSE_T(t, r["step" + std::to_string(s) + "." + k], 1e-12);
    }
  }
}
}  // namespace

TEST_CASE("optim: Adam and SGD match torch.optim over 5 steps with two parameter groups") {
  check_against_torch<optim::Adam<double, cpu>>("adam", optim::AdamOptions{.lr = 0.01, .beta1 = 0.5, .weight_decay = 0.01});
  check_against_torch<optim::Adam<double, cpu>>("adam_biggan", optim::AdamOptions{.lr = 2e-4, .beta1 = 0.0});
  check_against_torch<optim::SGD<double, cpu>>("sgd", optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
  check_against_torch<optim::SGD<double, cpu>>("sgd_plain", optim::SGDOptions{.lr = 0.1});
}

TEST_CASE("optim: state_dict round trip continues exactly; errors name the key") {
  Ref r("adam");
  auto run = [&](bool resume) {
    auto m = small_model();
    m->load_state_dict(r.dict("sd."));
    auto opt = std::make_unique<optim::Adam<double, cpu>>(m->parameters(), optim::AdamOptions{.lr = 0.01});
    for (int s = 0; s < 5; ++s) {
      if (resume && s == 2) {  // a fresh optimizer restored from a copy of the state
        std::map<std::string, TD> saved;
        for (auto& entry : opt->state_dict()) { auto& k = entry.first; auto& t = entry.second; saved[k] = copy_values(t); }
        opt = std::make_unique<optim::Adam<double, cpu>>(m->parameters(), optim::AdamOptions{.lr = 0.01});
        opt->load_state_dict(saved);
      }
      opt->zero_grad();
      mse(m->forward(r["x"]), r["y"]).backward();
      opt->step();
    }
    CHECK(opt->state_dict().count("state.3.exp_avg_sq") == 1);
    CHECK(opt->state_dict().at("state.0.step").item() == 5);
    return m->state_dict();
  };
  auto a = run(false), b = run(true);
  for (auto& entry : a) { auto& k = entry.first; auto& t = entry.second; CHECK(nnref::max_abs_diff(t, b[k]) == 0); }
  // Adam keeps its step counts on the host too: loading older state into the same optimizer
  // must rewind them (the next step is step 3, with step 3's bias correction).
  {
    auto m = small_model();
    m->load_state_dict(r.dict("sd."));
    optim::Adam<double, cpu> opt(m->parameters(), optim::AdamOptions{.lr = 0.01});
    std::map<std::string, TD> at2;
    for (int s = 0; s < 3; ++s) {
      if (s == 2)
        for (auto& entry : opt.state_dict()) at2[entry.first] = copy_values(entry.second);
      opt.zero_grad();
      mse(m->forward(r["x"]), r["y"]).backward();
      opt.step();
    }
    CHECK(opt.state_dict().at("state.0.step").item() == 3);
    opt.load_state_dict(at2);
    opt.step();  // the gradients of the last backward are still there
    CHECK(opt.state_dict().at("state.0.step").item() == 3);
  }

  auto m = small_model();
  optim::SGD<double, cpu> sgd(m->parameters(), {.lr = 0.1, .momentum = 0.9});
  std::map<std::string, TD> bad{{"state.0.momentum_buffer", zeros<double, cpu>({2, 2})}};
  CHECK_THROWS_WITH_AS(sgd.load_state_dict(bad), doctest::Contains("size mismatch for \"state.0.momentum_buffer\""), Error);
  std::map<std::string, TD> far{{"state.9.momentum_buffer", zeros<double, cpu>({2})}};
  CHECK_THROWS_WITH_AS(sgd.load_state_dict(far), doctest::Contains("refers to parameter 9 but the optimizer has 4"), Error);
  auto frozen = zeros<double, cpu>({2});
  CHECK_THROWS_WITH_AS(SGDd({frozen}), doctest::Contains("does not require grad"), Error);
  CHECK_THROWS_WITH_AS(SGDd(m->parameters(), {.nesterov = true}), doctest::Contains("nesterov"), Error);
  sgd.set_lr(0.5);
  CHECK(sgd.lr() == 0.5);
}

TEST_CASE("optim: learning-rate schedules") {
  optim::LinearDecayLR lin{1.0, 2, 4};  // pix2pixHD with niter 2, niter_decay 4
  std::vector<double> got;
  for (int e = 1; e <= 7; ++e) got.push_back(lin.lr(e));
  CHECK(got == std::vector<double>{1, 1, 1, 0.75, 0.5, 0.25, 0});
  optim::LinearDecayLR p2p{2e-4, 100, 100};
  CHECK(p2p.lr(100) == 2e-4);
  CHECK(p2p.lr(101) == 2e-4);
  CHECK(p2p.lr(151) == doctest::Approx(1e-4));
  CHECK(p2p.lr(200) == doctest::Approx(2e-6));
  optim::StepLR step{0.1, 3, 0.5};
  CHECK(step.lr(1) == 0.1);
  CHECK(step.lr(3) == 0.1);
  CHECK(step.lr(4) == 0.05);
  CHECK(step.lr(7) == 0.025);
  CHECK(optim::ConstantLR{3e-4}.lr(1000) == 3e-4);
  CHECK_THROWS_AS(lin.lr(0), Error);
}

TEST_CASE("optim: EMA copies before start_itr, then decays; buffers too") {
  auto make = [] {
    auto s = std::make_shared<Seq>();
    s->push_back(std::make_shared<Lin>(2, 2));
    s->push_back(std::make_shared<nn::BatchNorm2d<double, cpu>>(2));
    return s;
  };
  auto g = make(), g_ema = make();
  optim::EMA<double, cpu> ema(*g, *g_ema, 0.9, 3);
  for (auto& entry : g->state_dict()) { auto& k = entry.first; auto& t = entry.second; CHECK(nnref::max_abs_diff(t, g_ema->state_dict()[k]) == 0); }
  auto w = g->state_dict()["0.weight"], rm = g->state_dict()["1.running_mean"];
  auto nbt = g->state_dict()["1.num_batches_tracked"];
  fill_(w, 1.0), fill_(rm, 2.0), fill_(nbt, 7.0);
  ema.update(2);  // before start: hard copy
  CHECK(g_ema->state_dict()["0.weight"].to_vector() == std::vector<double>(4, 1.0));
  fill_(w, 3.0), fill_(rm, 4.0), fill_(nbt, 8.0);
  ema.update(3);  // decays: 0.9·1 + 0.1·3
  for (double v : g_ema->state_dict()["0.weight"].to_vector()) CHECK(v == doctest::Approx(1.2));
  for (double v : g_ema->state_dict()["1.running_mean"].to_vector()) CHECK(v == doctest::Approx(0.9 * 2 + 0.1 * 4));
  CHECK(g_ema->state_dict()["1.num_batches_tracked"].item() == 8);
  CHECK(ema.decay_at(0) == 0);
  CHECK(ema.decay_at(5) == 0.9);
}

TEST_CASE("optim: clip_grad_norm_ returns the total norm and scales to max_norm") {
  auto a = from_vector<double, cpu>({3, 0}), b = from_vector<double, cpu>({0, 4});
  a.requires_grad_(), b.requires_grad_();
  sum(add(mul(a, from_vector<double, cpu>({1, 0})), mul(b, from_vector<double, cpu>({0, 1})))).backward();
  // grads: a [1, 0], b [0, 1] → norm √2
  CHECK(optim::clip_grad_norm_<double, cpu>({a, b}, 10.0) == doctest::Approx(std::sqrt(2.0)));
  CHECK(a.grad().to_vector() == std::vector<double>{1, 0});  // under the limit: untouched
  const double n = optim::clip_grad_norm_<double, cpu>({a, b}, 0.5);
  CHECK(n == doctest::Approx(std::sqrt(2.0)));
  const double after = std::sqrt(sum(square(a.grad())).item() + sum(square(b.grad())).item());
  CHECK(after == doctest::Approx(0.5).epsilon(1e-5));
}

TEST_CASE("optim: 4 accumulated micro-batches of 2 equal one batch of 8") {
  Generator gen(3);
  auto x = randn<double, cpu>({8, 5}, gen), y = randn<double, cpu>({8, 2}, gen);
  Lin one(nn::LinearOptions{.in = 5, .out = 2}), acc(nn::LinearOptions{.in = 5, .out = 2});
  acc.load_state_dict(one.state_dict());
  mse(one(x), y).backward();
  const double mean_loss = optim::accumulate_gradients(4, [&](int i) {
    return mse(acc(narrow(x, 0, 2 * i, 2)), narrow(y, 0, 2 * i, 2));
  });
  CHECK(mean_loss == doctest::Approx(mse(one(x), y).item()).epsilon(1e-12));
  CHECK_CLOSE_T(acc.weight.grad(), one.weight.grad(), 1e-14);
  CHECK_CLOSE_T(acc.bias.grad(), one.bias.grad(), 1e-14);
}

TEST_CASE("optim: ortho-reg gradient equals the finite difference of BigGAN's ortho loss") {
  Generator gen(5);
  for (bool classic : {false, true}) {
    auto w = randn<double, cpu>({3, 2, 2, 1}, gen);  // W reshaped to [3, 4]
    auto bias = randn<double, cpu>({3}, gen);
    w.requires_grad_(), bias.requires_grad_();
    const double beta = 0.3;
    auto loss = [&](const TD& p) {  // beta/2 · ‖W Wᵀ ⊙ (1 − I)‖² (or ‖W Wᵀ − I‖²)
      const auto m = reshape(p, {3, -1});
      const auto gram = matmul(m, transpose(m, 0, 1)).to_vector();
      double s = 0;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          const double v = gram[size_t(i * 3 + j)] - (i == j ? (classic ? 1.0 : gram[size_t(i * 3 + j)]) : 0.0);
          s += v * v;
        }
      return beta / 2 * s;
    };
    optim::ortho_<double, cpu>({w, bias}, beta, {}, classic);
    CHECK_FALSE(bias.grad().defined());  // 1-D parameters are skipped
    const auto g = w.grad().to_vector();
    auto base = w.detach().to_vector();
    for (size_t i = 0; i < base.size(); ++i) {
      const double h = 1e-6;
      auto plus = base, minus = base;
      plus[i] += h, minus[i] -= h;
      const double fd = (loss(from_vector<double, cpu>(plus, w.shape())) - loss(from_vector<double, cpu>(minus, w.shape()))) / (2 * h);
      CHECK(g[i] == doctest::Approx(fd).epsilon(1e-6));
    }
    // Applied again, the term adds to the existing gradient; a skipped parameter is untouched.
    optim::ortho_<double, cpu>({w}, beta, {w}, classic);
    CHECK(w.grad().to_vector() == g);
    optim::ortho_<double, cpu>({w}, beta, {}, classic);
    CHECK(w.grad().to_vector()[0] == doctest::Approx(2 * g[0]));
  }
}

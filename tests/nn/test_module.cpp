// tests/nn/test_module.cpp — the Module base: dotted keys and counts as PyTorch, train/eval,
// freezing, zero_grad, load_state_dict errors and the non-strict report, Sequential, init.
#include "nn_ref.hpp"

using namespace ganlib;
using nnref::Ref;
using nnref::TD;
using Seq = nn::Sequential<double, cpu>;
template <class M, class... A>
std::shared_ptr<M> mk(A&&... a) { return std::make_shared<M>(std::forward<A>(a)...); }

namespace {
std::shared_ptr<Seq> nested() {
  auto inner = mk<Seq>(std::initializer_list<Seq::ModulePtr>{mk<nn::Linear<double, cpu>>(3, 4), mk<nn::ReLU<double, cpu>>()});
  return mk<Seq>(std::initializer_list<Seq::ModulePtr>{inner, mk<nn::Linear<double, cpu>>(4, 2)});
}
std::shared_ptr<Seq> pix_stack() {  // the "sequential" model of make_nn_refs.py
  auto s = mk<Seq>();
  s->push_back(mk<nn::ReflectionPad2d<double, cpu>>(1));
  s->push_back(mk<nn::Conv2d<double, cpu>>(3, 8, 3));
  s->push_back(mk<nn::BatchNorm2d<double, cpu>>(8));
  s->push_back(mk<nn::ReLU<double, cpu>>());
  s->push_back(nn::spectral_norm(mk<nn::ConvTranspose2d<double, cpu>>(8, 4, 4, 2, 1)));
  s->push_back(mk<nn::InstanceNorm2d<double, cpu>>(4, true, true));
  s->push_back(mk<nn::LeakyReLU<double, cpu>>(0.2));
  s->push_back(mk<nn::ReplicationPad2d<double, cpu>>(std::array<int64_t, 4>{1, 0, 0, 2}));
  s->push_back(mk<nn::ZeroPad2d<double, cpu>>(1));
  s->push_back(mk<nn::Conv2d<double, cpu>>(4, 2, 1, 1, 0, false));
  s->push_back(mk<nn::Tanh<double, cpu>>());
  return s;
}
}  // namespace

TEST_CASE("Module: dotted keys, order and parameter count equal PyTorch's") {
  auto n = nested();
  Ref r("nested_keys");
  CHECK(nnref::names(n->named_parameters()) == r.meta("params").get<std::vector<std::string>>());
  CHECK(n->parameter_count() == r.meta("count").get<int64_t>());
  auto s = pix_stack();
  Ref rs("sequential");
  CHECK(nnref::names(s->named_state()) == rs.meta("keys").get<std::vector<std::string>>());
  CHECK(nnref::names(s->named_buffers()) == rs.meta("buffers").get<std::vector<std::string>>());
  CHECK(s->parameter_count() == rs.meta("count").get<int64_t>());
  CHECK(s->state_dict().count("4.weight_orig") == 1);
}

TEST_CASE("Sequential: a PyTorch-trained stack gives PyTorch's outputs (train then eval)") {
  auto s = pix_stack();
  Ref r("sequential");
  s->load_state_dict(r.dict("sd."));
  s->train();
  for (int i = 0; i < 2; ++i) {
    const TD out = s->forward(r["x"]);
    CHECK_CLOSE_T(out, r["out" + std::to_string(i)], 1e-9);
    for (auto& entry : s->named_state()) {
      auto& k = entry.first; auto& t = entry.second;
      INFO(k);
      CHECK_CLOSE_T(t, r["sd" + std::to_string(i) + "." + k], 1e-9);
    }
  }
  s->eval();
  CHECK_CLOSE_T(s->forward(r["x"]), r["out_eval"], 1e-9);
}

TEST_CASE("Module: copy_to another module (same backend here; to<cuda> on a GPU build)") {
  auto a = pix_stack(), b = pix_stack();
  a->copy_to(*b);
  for (auto& entry : a->state_dict()) {
    auto& k = entry.first; auto& t = entry.second;
    INFO(k);
    CHECK(nnref::max_abs_diff(t, b->state_dict()[k]) == 0);
  }
}

TEST_CASE("Module: train/eval recurse; freezing a subtree; zero_grad") {
  auto s = nested();
  CHECK(s->is_training());
  s->eval();
  for (auto& entry : s->named_modules()) { [[maybe_unused]] auto& n = entry.first; auto& m = entry.second; CHECK_FALSE(m->is_training()); }
  s->train();
  for (auto& entry : s->named_modules()) { [[maybe_unused]] auto& n = entry.first; auto& m = entry.second; CHECK(m->is_training()); }
  CHECK(s->named_modules().size() == 5);

  (*s)[0]->requires_grad_(false);
  CHECK(s->parameter_count(true) == 4 * 2 + 2);
  auto x = ones<double, cpu>({2, 3});
  sum(s->forward(x)).backward();
  for (auto& entry : s->named_parameters()) {
    auto& n = entry.first; auto& p = entry.second;
    INFO(n);
    CHECK(p.grad().defined() == (n.rfind("1.", 0) == 0));
  }
  s->zero_grad(false);
  for (auto& p : s->parameters())
    if (p.grad().defined()) CHECK(sum(abs(p.grad())).item() == 0);
  s->zero_grad();
  for (auto& p : s->parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("Module: load_state_dict errors name the keys and shapes; non-strict reports") {
  auto s = nested();
  auto sd = s->state_dict();
  CHECK(sd.size() == 4);
  // Values are copied into the module's own tensors.
  auto other = nested();
  other->load_state_dict(sd);
  CHECK(nnref::max_abs_diff(other->state_dict()["1.weight"], sd["1.weight"]) == 0);
  CHECK_FALSE(other->state_dict()["1.weight"].same_storage(sd["1.weight"]));

  auto missing = sd;
  missing.erase("0.0.bias");
  CHECK_THROWS_WITH_AS(s->load_state_dict(missing), doctest::Contains("missing key(s) \"0.0.bias\""), Error);
  auto extra = sd;
  extra["0.5.weight"] = zeros<double, cpu>({1});
  CHECK_THROWS_WITH_AS(s->load_state_dict(extra), doctest::Contains("unexpected key(s) \"0.5.weight\""), Error);
  auto wrong = sd;
  wrong["1.weight"] = zeros<double, cpu>({2, 5});
  CHECK_THROWS_WITH_AS(s->load_state_dict(wrong),
                       doctest::Contains("size mismatch for \"1.weight\": the checkpoint has shape [2, 5], "
                                         "the module expects [2, 4]"), Error);
  CHECK_THROWS_AS(s->load_state_dict(wrong, false), Error);  // shapes are checked even when lax

  extra.erase("0.0.bias");
  fill_(extra["1.bias"], 3.0);
  const auto rep = s->load_state_dict(extra, false);
  CHECK(rep.missing == std::vector<std::string>{"0.0.bias"});
  CHECK(rep.unexpected == std::vector<std::string>{"0.5.weight"});
  CHECK(s->state_dict()["1.bias"].to_vector() == std::vector<double>{3, 3});
}

TEST_CASE("Module: registration misuse and single-input forward errors") {
  nn::Module<double, cpu> m;
  m.register_parameter("w", zeros<double, cpu>({2}));
  CHECK_THROWS_WITH_AS(m.register_buffer("w", zeros<double, cpu>({2})),
                       doctest::Contains("\"w\" is already registered"), Error);
  CHECK_THROWS_WITH_AS(m.register_parameter("a.b", zeros<double, cpu>({2})), doctest::Contains("invalid name"), Error);
  nn::ConditionalBatchNorm<double, cpu> cbn({.num_features = 2, .cond_dim = 3});
  CHECK_THROWS_WITH_AS(cbn.forward(zeros<double, cpu>({1, 2, 2, 2})),
                       doctest::Contains("ConditionalBatchNorm: this module has no single-input forward"), Error);
  nn::Linear<double, cpu> lin(4, 2);
  CHECK_THROWS_WITH_AS(lin(zeros<double, cpu>({3, 5})), doctest::Contains("does not end in in_features 4"), Error);
}

TEST_CASE("init: statistics and orthogonality") {
  Generator g(7);
  auto w = zeros<double, cpu>({64, 32, 3, 3});
  nn::init::normal_(w, 0, 0.02, g);
  const auto v = w.to_vector();
  double m = 0, s = 0;
  for (double x : v) m += x;
  m /= double(v.size());
  for (double x : v) s += (x - m) * (x - m);
  s = std::sqrt(s / double(v.size()));
  CHECK(std::abs(m) < 1e-3);
  CHECK(s == doctest::Approx(0.02).epsilon(0.02));

  nn::init::xavier_uniform_(w, 1.0, g);
  const double bound = std::sqrt(6.0 / (32 * 9 + 64 * 9));
  CHECK(max(abs(w)).item() <= bound);
  CHECK(max(abs(w)).item() > 0.95 * bound);
  nn::init::kaiming_uniform_(w, 0.0, true, g);
  CHECK(max(abs(w)).item() <= std::sqrt(2.0) * std::sqrt(3.0 / (32 * 9)));

  for (auto shape : {Shape{5, 12}, Shape{12, 5}, Shape{4, 2, 3, 3}}) {
    auto q = zeros<double, cpu>(shape);
    nn::init::orthogonal_(q, 2.0, g);
    const TD mat = reshape(q, {shape[0], -1});
    const bool wide = mat.size(0) <= mat.size(1);
    const TD gram = wide ? matmul(mat, transpose(mat, 0, 1)) : matmul(transpose(mat, 0, 1), mat);
    const int64_t k = gram.size(0);
    std::vector<double> eye(size_t(k * k), 0.0);
    for (int64_t i = 0; i < k; ++i) eye[size_t(i * k + i)] = 4.0;  // gain²
    const TD expect = from_vector<double, cpu>(eye, {k, k});
    CHECK_CLOSE_T(gram, expect, 1e-12);
  }
}

TEST_CASE("float models: a BigGAN-style block trains a step with the default types") {
  Generator gen(1);
  nn::Sequential<> net;
  net.push_back(std::make_shared<nn::Conv2d<>>(nn::Conv2dOptions{.in = 8, .out = 8, .kernel = 3, .padding = 1,
                                                                  .sn = {.eps = 1e-6, .style = nn::SNStyle::biggan}, .gen = &gen}));
  net.push_back(std::make_shared<nn::SelfAttention<>>(nn::SelfAttentionOptions{.channels = 8, .sn = {}, .gen = &gen}));
  net.push_back(std::make_shared<nn::ReLU<>>());
  for (auto& entry : net.named_parameters()) {
    [[maybe_unused]] auto& n = entry.first; auto& p = entry.second;
    if (p.dim() >= 2) nn::init::orthogonal_(p, 1.0, gen);
  }
  const auto before = net.state_dict()["1.gamma"].item();
  auto y = net(randn<float>({2, 8, 4, 4}, gen));
  sum(y).backward();
  CHECK(net.named_parameters().size() == 2 + 5);
  CHECK(before == 0.0f);
  CHECK(net.state_dict()["1.theta.weight_orig"].grad().defined() == false);  // state is detached
  auto params = net.parameters();
  CHECK(params[2].grad().defined());  // gamma
}

// tests/nn/test_layers_ref.cpp — layers against PyTorch (tests/reference/make_nn_refs.py):
// load the reference's state_dict, run the same forwards/backwards, compare outputs, gradients
// and the buffers each pass leaves behind (BN running stats, spectral-norm u/v).
#include "nn_ref.hpp"

using namespace ganlib;
using nnref::Ref;
using nnref::TD;
template <class T = double> using Lin = nn::Linear<T, cpu>;

namespace {
constexpr double kTol = 1e-9;

// Keys, parameter names and count of `m` equal the reference's.
template <class M>
void check_keys(const M& m, const Ref& r) {
  CHECK(nnref::names(m.named_state()) == r.meta("keys").get<std::vector<std::string>>());
  CHECK(nnref::names(m.named_parameters()) == r.meta("params").get<std::vector<std::string>>());
  CHECK(nnref::names(m.named_buffers()) == r.meta("buffers").get<std::vector<std::string>>());
  CHECK(m.parameter_count() == r.meta("count").get<int64_t>());
}

// One forward + backward of sum(out * gout); compares out and every gradient.
template <class M, class Fwd>
void check_pass(M& m, const Ref& r, const std::string& sfx, Fwd fwd) {
  TD x = copy_values(r["x"]);
  x.requires_grad_();
  m.zero_grad();
  TD out = fwd(x);
  CHECK_CLOSE_T(out, r["out" + sfx], kTol);
  sum(mul(out, r["gout" + sfx])).backward();
  CHECK_CLOSE_T(x.grad(), r["grad" + sfx + ".x"], kTol);
  for (auto& np : m.named_parameters()) {  // (no structured bindings: INFO captures them, clang 14 refuses)
    const std::string& n = np.first;
    auto& p = np.second;
    INFO("parameter ", n);
    if (r.has("grad" + sfx + "." + n)) CHECK_CLOSE_T(p.grad(), r["grad" + sfx + "." + n], kTol);
  }
}

// Several train passes (state compared after each), then an eval forward.
template <class M, class Fwd>
void check_multi_pass(M& m, const std::string& name, int passes, Fwd fwd) {
  Ref r(name);
  check_keys(m, r);
  m.load_state_dict(r.dict("sd."));
  m.train();
  for (int i = 0; i < passes; ++i) {
    INFO(name, " pass ", i);
    check_pass(m, r, std::to_string(i), fwd);
    for (auto& kt : m.named_state()) {
      const std::string& k = kt.first;
      auto& t = kt.second;
      INFO("state ", k);
      CHECK_CLOSE_T(t, r["sd" + std::to_string(i) + "." + k], kTol);
    }
  }
  m.eval();
  no_grad guard;
  CHECK_CLOSE_T(fwd(r["x"]), r["out_eval"], kTol);
  for (auto& kt : m.named_state()) {
    const std::string& k = kt.first;
    auto& t = kt.second;
    INFO("state after eval ", k);
    CHECK_CLOSE_T(t, r["sd_end." + k], kTol);
  }
}

template <class M>
void check_simple(M& m, const std::string& name) {
  Ref r(name);
  check_keys(m, r);
  m.load_state_dict(r.dict("sd."));
  check_pass(m, r, "", [&](const TD& x) { return m.forward(x); });
}
}  // namespace

TEST_CASE("nn: Linear, Conv2d, ConvTranspose2d match PyTorch") {
  Lin<> lin(5, 3);
  check_simple(lin, "linear");
  Lin<> lin3(5, 3, false);
  check_simple(lin3, "linear3d");
  nn::Conv2d<double, cpu> conv(nn::Conv2dOptions{.in = 3, .out = 4, .kernel = 3, .stride = 2, .padding = 1});
  check_simple(conv, "conv");
  nn::ConvTranspose2d<double, cpu> convt(4, 3, 3, 2, 1, 1);
  check_simple(convt, "convt");
}

TEST_CASE("nn: BatchNorm2d train (running stats) and eval match PyTorch") {
  nn::BatchNorm2d<double, cpu> bn(3);
  check_multi_pass(bn, "batchnorm", 3, [&](const TD& x) { return bn(x); });
  CHECK(bn.num_batches_tracked.item() == 3);
}

TEST_CASE("nn: InstanceNorm2d (affine + running stats, and plain) matches PyTorch") {
  nn::InstanceNorm2d<double, cpu> in(3, true, true);
  check_multi_pass(in, "instancenorm", 3, [&](const TD& x) { return in(x); });
  nn::InstanceNorm2d<double, cpu> plain(3);
  CHECK(plain.named_state().empty());
  check_multi_pass(plain, "instancenorm_plain", 3, [&](const TD& x) { return plain(x); });
}

TEST_CASE("nn: spectral norm (torch style) matches torch.nn.utils.spectral_norm over 3 passes") {
  auto conv = nn::spectral_norm(std::make_shared<nn::Conv2d<double, cpu>>(3, 4, 3, 1, 1));
  check_multi_pass(*conv, "sn_conv", 3, [&](const TD& x) { return conv->forward(x); });
  auto lin = nn::spectral_norm(std::make_shared<Lin<>>(6, 5));
  check_multi_pass(*lin, "sn_linear", 3, [&](const TD& x) { return lin->forward(x); });
  auto convt = nn::spectral_norm(std::make_shared<nn::ConvTranspose2d<double, cpu>>(3, 4, 4, 2, 1));
  check_multi_pass(*convt, "sn_convt", 3, [&](const TD& x) { return convt->forward(x); });
  Lin<> lin2(nn::LinearOptions{.in = 6, .out = 5, .sn = {.n_power_iterations = 2, .eps = 1e-6}});
  check_multi_pass(lin2, "sn2_linear", 3, [&](const TD& x) { return lin2.forward(x); });

  // sigma = uᵀ W v, against the reference's weight_orig / weight after each pass.
  Ref r("sn_linear");
  auto l = nn::spectral_norm(std::make_shared<Lin<>>(6, 5));
  l->load_state_dict(r.dict("sd."));
  for (int i = 0; i < 3; ++i) {
    no_grad guard;
    const TD w = l->effective_weight();
    const double sigma = l->weight.to_vector()[0] / w.to_vector()[0];
    CHECK(sigma == doctest::Approx(r["sigma" + std::to_string(i)].item()).epsilon(1e-12));
  }
}

TEST_CASE("nn: spectral norm (BigGAN style) matches layers.SN: u0/sv0 update in train mode only") {
  nn::Conv2d<double, cpu> conv(nn::Conv2dOptions{.in = 3, .out = 4, .kernel = 3, .padding = 1,
                                                 .sn = {.eps = 1e-6, .style = nn::SNStyle::biggan}});
  check_multi_pass(conv, "biggan_sn_conv", 3, [&](const TD& x) { return conv.forward(x); });
}

TEST_CASE("nn: BigGAN ccbn (ConditionalBatchNorm with SN linears) matches the reference") {
  nn::ConditionalBatchNorm<double, cpu> cbn({.num_features = 4, .cond_dim = 5,
                                             .sn = {.eps = 1e-6, .style = nn::SNStyle::biggan}});
  Ref r("ccbn");
  const TD c = r["c"];
  check_multi_pass(cbn, "ccbn", 3, [&](const TD& x) { return cbn.forward(x, c); });
}

TEST_CASE("nn: SelfAttention (BigGAN layers.Attention with SN) matches the reference") {
  nn::SelfAttention<double, cpu> att({.channels = 16, .sn = {.eps = 1e-6, .style = nn::SNStyle::biggan}});
  CHECK(att.gamma.item() == 0);
  check_multi_pass(att, "attention", 3, [&](const TD& x) { return att(x); });
  CHECK_THROWS_WITH_AS(att(zeros<double, cpu>({1, 16, 3, 4})), doctest::Contains("even H and W"), Error);
}

TEST_CASE("nn: Embedding (plain and spectrally normalised) matches PyTorch") {
  for (std::string name : {"embedding", "sn_embedding"}) {
    INFO(name);
    Ref r(name);
    nn::Embedding<double, cpu> emb({.num_embeddings = 7, .dim = 4, .sn = {.enabled = name == "sn_embedding"}});
    check_keys(emb, r);
    emb.load_state_dict(r.dict("sd."));
    for (int i = 0; i < 3; ++i) {
      const std::string s = std::to_string(i);
      emb.zero_grad();
      const TD out = emb(r["x"]);
      CHECK_CLOSE_T(out, r["out" + s], kTol);
      sum(mul(out, r["gout" + s])).backward();
      CHECK_CLOSE_T(emb.weight.grad(), r["grad" + s + "." + (name == "embedding" ? "weight" : "weight_orig")], kTol);
      for (auto& kt : emb.named_state()) CHECK_CLOSE_T(kt.second, r["sd" + s + "." + kt.first], kTol);
    }
  }
}

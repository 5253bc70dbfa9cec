// examples/tiny_cgan.cpp — a small class-conditional GAN on Fashion-MNIST, built from the
// library's shared parts: nn modules, Adam, the prefetching loader, a progress line, a JSON
// scalar log, PNG sample grids on an HTML results page, and checkpoints with exact resume.
//
//   tiny_cgan [--out DIR] [--steps N] [--batch B] [--seed S] [--every K] [--stop-after N]
//
// G: [z (64) ‖ embed(class) (16)] → Linear 256 → LeakyReLU 0.2 → Linear 512 → LeakyReLU 0.2
//    → Linear 784 → tanh.   D: [image (784) ‖ embed(class) (16)] → Linear 512 → LeakyReLU 0.2
//    → Linear 256 → LeakyReLU 0.2 → Linear 1. Hinge loss, Adam 2e-4, betas (0.5, 0.999).
// Every K steps: a 10×10 sheet (row = class, fixed z) on DIR/web/index.html and a checkpoint in
// DIR/checkpoints; an interrupted run (Ctrl-C, SIGTERM, --stop-after) resumes from the latest
// checkpoint and continues exactly. At the end, DIR/final.safetensors holds G's and D's weights.
#include <cstdio>
#include <cstdlib>
#include <ganlib/ganlib.hpp>
#include <string>

using namespace ganlib;
using TF = Tensor<float, cpu>;

namespace {

struct Options {
  std::string out = "results/tiny_cgan";
  int64_t steps = 3000, batch = 64, every = 500, stop_after = -1;
  uint64_t seed = 1;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    GANLIB_CHECK(i + 1 < argc, "tiny_cgan: option ", k, " needs a value");
    const std::string v = argv[++i];
    if (k == "--out") o.out = v;
    else if (k == "--steps") o.steps = std::stoll(v);
    else if (k == "--batch") o.batch = std::stoll(v);
    else if (k == "--every") o.every = std::stoll(v);
    else if (k == "--seed") o.seed = std::stoull(v);
    else if (k == "--stop-after") o.stop_after = std::stoll(v);
    else detail::fail("tiny_cgan: unknown option ", k, " (known: --out --steps --batch --every --seed --stop-after)");
  }
  GANLIB_CHECK(o.steps > 0 && o.batch > 0 && o.every > 0, "tiny_cgan: --steps, --batch and --every must be positive");
  return o;
}

// An MLP whose input is [x ‖ embed(class)].
struct CondMLP : nn::Module<float, cpu> {
  std::shared_ptr<nn::Embedding<float, cpu>> embed;
  std::vector<std::shared_ptr<nn::Linear<float, cpu>>> layers;
  CondMLP(int64_t in, std::vector<int64_t> widths, Generator& gen) {
    embed = register_module("embed", std::make_shared<nn::Embedding<float, cpu>>(nn::EmbeddingOptions{10, 16, {false}, &gen}));
    int64_t prev = in + 16;
    for (size_t i = 0; i < widths.size(); ++i) {
      layers.push_back(register_module("fc" + std::to_string(i),
                                       std::make_shared<nn::Linear<float, cpu>>(nn::LinearOptions{prev, widths[i], true, {false}, &gen})));
      prev = widths[i];
    }
  }
  std::string type_name() const override { return "CondMLP"; }
  using nn::Module<float, cpu>::forward;  // the one-input form stays visible beside this one
  TF forward(const TF& x, const TF& labels) {
    TF h = concat(std::vector<TF>{x, (*embed)(labels)}, 1);
    for (size_t i = 0; i < layers.size(); ++i) {
      h = (*layers[i])(h);
      if (i + 1 < layers.size()) h = leaky_relu(h, 0.2f);
    }
    return h;
  }
};

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  Generator init_gen(o.seed), noise(o.seed + 1);
  CondMLP G(64, {256, 512, 784}, init_gen), D(784, {512, 256, 1}, init_gen);
  optim::Adam<float, cpu> optG(G.parameters(), {2e-4, 0.5, 0.999}), optD(D.parameters(), {2e-4, 0.5, 0.999});

  auto data = std::make_shared<data::FashionMnistDataset<float>>();
  data::Loader<float, cpu> loader(data, {o.batch, true, true, o.seed, 1, 2});
  const int64_t per_epoch = data->size() / o.batch;

  // Fixed z and labels for the sheets: row r shows class r.
  Generator sheet_gen(12345);
  const TF sheet_z = randn<float, cpu>({100, 64}, sheet_gen);
  std::vector<float> sheet_ids(100);
  for (int i = 0; i < 100; ++i) sheet_ids[size_t(i)] = float(i / 10);
  const TF sheet_labels = from_vector<float, cpu>(sheet_ids);

  ganlib::io::make_folders(o.out + "/web", "tiny_cgan: --out");
  train::CheckpointManager ckpt({o.out + "/checkpoints", "ckpt", o.every, 3});
  train::ScalarLog log(o.out + "/loss_log.jsonl");
  train::ResultsPage page(o.out + "/web", {"tiny conditional GAN on Fashion-MNIST", 30, 280, o.out + "/loss_log.jsonl"});

  int64_t step = 0;
  if (auto c = ckpt.load_latest()) {
    c->restore_state("G.", G);
    c->restore_state("D.", D);
    c->restore_state("optG.", optG);
    c->restore_state("optD.", optD);
    c->restore_generator("noise", noise);
    step = c->step;
    log.truncate_after(step);
    std::printf("resumed from %s (step %lld)\n", c->path.c_str(), (long long)step);
  }
  auto save = [&](int64_t s) {
    ckpt.save(s, [&](train::CheckpointWriter& w) {
      w.add_state("G.", G).add_state("D.", D).add_state("optG.", optG).add_state("optD.", optD).generator("noise", noise);
    });
  };

  train::Progress progress({o.steps, 100, step});
  train::StopSignal stop;
  int64_t epoch = step / per_epoch;
  loader.start_epoch(epoch, step % per_epoch);
  while (step < o.steps) {
    auto batch = loader.next();
    if (!batch) {
      loader.start_epoch(++epoch, 0);
      continue;
    }
    const TF real = reshape((*batch)["image"], {-1, 784});
    const TF labels = (*batch)["label"];
    const int64_t n = real.size(0);

    // D step: hinge on real and (detached) fake.
    const TF z = randn<float, cpu>({n, 64}, noise);
    const TF fake = tanh(G.forward(z, labels));
    optD.zero_grad();
    const TF loss_d = hinge_d(D.forward(real, labels), D.forward(fake.detach(), labels));
    loss_d.backward();
    optD.step();
    // G step.
    optG.zero_grad();
    const TF loss_g = hinge_g(D.forward(fake, labels));
    loss_g.backward();
    optG.step();
    ++step;

    const train::Scalars losses{{"D", loss_d.item()}, {"G", loss_g.item()}};
    progress.update(step, epoch, losses);
    if (step % 50 == 0) log.append(step, epoch, losses);
    const bool interrupted = stop.requested() || step == o.stop_after;
    if (step % o.every == 0 || step == o.steps || interrupted) {
      TF sheet;
      {
        no_grad guard;
        sheet = reshape(tanh(G.forward(sheet_z, sheet_labels)), {100, 1, 28, 28});
      }
      page.add_results(epoch, step, {{"samples", train::make_grid(sheet, {10, 2})}});
      save(step);
    }
    if (interrupted) {
      progress.finish();
      std::printf("stopped at step %lld; run again to resume\n", (long long)step);
      return 0;
    }
  }
  progress.finish();
  safetensors::File final_weights;
  for (auto& [k, t] : G.state_dict()) final_weights.tensors["G." + k] = safetensors::entry_from(t, safetensors::DType::F32);
  for (auto& [k, t] : D.state_dict()) final_weights.tensors["D." + k] = safetensors::entry_from(t, safetensors::DType::F32);
  safetensors::save(o.out + "/final.safetensors", final_weights);
  std::printf("done: %lld steps; results page %s/web/index.html\n", (long long)step, o.out.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "tiny_cgan: %s\n", e.what());
  return 1;
}

// biggan_eval — metrics of a BigGAN checkpoint on Fashion-MNIST with the in-project classifier
// (fmnist_classifier_train): FID (classifier features, against the training set), IS (10
// splits) and class-conditional accuracy, as JSON lines {"metric": ..., "value": ...}, then a
// table of FID and accuracy against truncation (both the paper's resampling and reduced std).
// Usage: biggan_eval --checkpoint FILE --classifier FILE [--data DIR] [--num N] [--ema 1]
//        [--sweep START_STEP_END] [--seed S]
#include <cstdio>
#include <iostream>

#include "../zoo/biggan/evaluate.hpp"
#include "device.hpp"

using namespace ganlib;
using namespace ganlib::zoo::biggan;

int main(int argc, char** argv) try {
  std::string ckpt, clf_path = "fmnist_classifier.safetensors", data_dir = io::kFashionMnistDir, sweep = "0.5_0.5_2.0";
  int64_t num = 5000;
  bool use_ema = true;
  uint64_t seed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      GANLIB_CHECK(i + 1 < argc, "biggan_eval: ", a, " needs a value");
      return argv[++i];
    };
    if (a == "--checkpoint") ckpt = next();
    else if (a == "--classifier") clf_path = next();
    else if (a == "--data") data_dir = next();
    else if (a == "--num") num = std::stoll(next());
    else if (a == "--ema") use_ema = next() != "0";
    else if (a == "--sweep") sweep = next();
    else if (a == "--seed") seed = std::stoull(next());
    else ganlib::detail::fail("biggan_eval: unknown option ", a);
  }
  GANLIB_CHECK(!ckpt.empty(), "biggan_eval: --checkpoint FILE is required");
  if (!examples::device_ready("biggan_eval")) return 1;
  Options o = options_of_checkpoint(ckpt);
  GANLIB_CHECK(o.resolution == 32 && o.n_classes == 10, "biggan_eval: the classifier covers 10-class 32x32 "
               "Fashion-MNIST models; this checkpoint is ", o.resolution, "x", o.resolution, " with ", o.n_classes, " classes");
  o.skip_init = true;
  Trainer<float> tr(o);  // on the default backend; data_moments moves the host images over
  tr.load(ckpt, true);
  auto& G = (use_ema && tr.G_ema) ? *tr.G_ema : *tr.G;
  G.train(!o.G_eval_mode);
  FmnistClassifier<float> clf;
  const double clf_acc = clf.load(clf_path);
  const auto data = load_fashion_mnist_set<float>(data_dir, true, 32, o.img_channels);
  const Moments dm = data_moments(clf, data);
  auto line = [](const std::string& k, double v) {
    std::cout << nlohmann::json{{"metric", k}, {"value", v}}.dump() << "\n";
  };
  line("classifier_test_accuracy", clf_acc);
  Generator gen(seed);
  const auto m = evaluate(G, clf, dm, num, Truncation::none, 0, gen);
  line("FID", m.FID);
  line("IS_mean", m.IS_mean);
  line("IS_std", m.IS_std);
  line("class_accuracy", m.accuracy);
  double a = 0, s = 0, e = 0;
  GANLIB_CHECK(std::sscanf(sweep.c_str(), "%lf_%lf_%lf", &a, &s, &e) == 3 && s > 0 && a > 0 && e >= a,
               "biggan_eval: --sweep must be START_STEP_END with positive numbers, got '", sweep, "'");
  std::printf("\n| truncation | FID (resample) | accuracy (resample) | IS (resample) | FID (std) | accuracy (std) | IS (std) |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (double t = a; t <= e + 1e-9; t += s) {
    Generator g1(seed), g2(seed);
    const auto r = evaluate(G, clf, dm, num, Truncation::resample, t, g1);
    const auto d = evaluate(G, clf, dm, num, Truncation::std_scale, t, g2);
    std::printf("| %.2f | %.2f | %.3f | %.2f | %.2f | %.3f | %.2f |\n", t, r.FID, r.accuracy, r.IS_mean, d.FID,
                d.accuracy, d.IS_mean);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "biggan_eval: " << e.what() << "\n";
  return 1;
}

// fmnist_classifier_train — trains the in-project evaluation CNN (zoo/biggan/classifier.hpp) on
// Fashion-MNIST and saves it as safetensors, with its test accuracy in the metadata.
// Usage: fmnist_classifier_train [--data DIR] [--out FILE] [--epochs N] [--batch N] [--lr X] [--seed S]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "../zoo/biggan/classifier.hpp"
#include "../zoo/biggan/train.hpp"

using namespace ganlib;
using namespace ganlib::zoo::biggan;

int main(int argc, char** argv) try {
  std::string data = io::kFashionMnistDir, out = "fmnist_classifier.safetensors";
  int64_t epochs = 3, batch = 128;
  double lr = 1e-3;
  uint64_t seed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      GANLIB_CHECK(i + 1 < argc, "fmnist_classifier_train: ", a, " needs a value");
      return argv[++i];
    };
    if (a == "--data") data = next();
    else if (a == "--out") out = next();
    else if (a == "--epochs") epochs = std::stoll(next());
    else if (a == "--batch") batch = std::stoll(next());
    else if (a == "--lr") lr = std::stod(next());
    else if (a == "--seed") seed = std::stoull(next());
    else ganlib::detail::fail("fmnist_classifier_train: unknown option ", a);
  }
  const auto train = load_fashion_mnist_set<float>(data, true, 32, 1);
  const auto test = load_fashion_mnist_set<float>(data, false, 32, 1);
  Generator gen(seed);
  FmnistClassifier<float, cpu> net(gen);
  optim::Adam<float, cpu> opt(net.parameters(), {lr, 0.9, 0.999, 1e-8, 0});
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t steps_per_epoch = train.size() / batch;
  std::mt19937_64 rng(seed);
  std::vector<int64_t> perm(static_cast<size_t>(train.size()));
  const int64_t per = 32 * 32;
  for (int64_t ep = 0; ep < epochs; ++ep) {
    for (int64_t i = 0; i < train.size(); ++i) perm[size_t(i)] = i;
    std::shuffle(perm.begin(), perm.end(), rng);
    double run = 0;
    for (int64_t s = 0; s < steps_per_epoch; ++s) {
      std::vector<float> xv(static_cast<size_t>(batch * per)), yv(static_cast<size_t>(batch));
      for (int64_t b = 0; b < batch; ++b) {
        const int64_t k = perm[size_t(s * batch + b)];
        std::copy(train.images.data() + k * per, train.images.data() + (k + 1) * per, xv.begin() + b * per);
        yv[size_t(b)] = float(train.labels[size_t(k)]);
      }
      if (lr > 0 && ep == epochs - 1) opt.set_lr(lr * 0.3);  // a lower rate for the last epoch
      opt.zero_grad();
      const auto loss = cross_entropy(net.forward(from_vector<float, cpu>(xv, {batch, 1, 32, 32})),
                                      from_vector<float, cpu>(yv, {batch}));
      loss.backward();
      opt.step();
      run = s == 0 ? double(loss.item()) : 0.98 * run + 0.02 * double(loss.item());
      if (s % 50 == 0)
        std::fprintf(stderr, "\repoch %lld/%lld step %lld/%lld loss %.4f  %.0fs", (long long)ep + 1, (long long)epochs,
                     (long long)s, (long long)steps_per_epoch, run,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::fprintf(stderr, "\n");
  net.eval();
  FeatureStats st;
  for (int64_t s = 0; s < test.size(); s += 500)
    append_stats(net, narrow(test.images, 0, s, std::min<int64_t>(500, test.size() - s)), st);
  const double acc = class_accuracy(st.probs, test.labels);
  net.save(out, acc);
  std::cout << "{\"metric\": \"test_accuracy\", \"value\": " << acc << "}\n";
  std::cout << "{\"metric\": \"train_seconds\", \"value\": "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << "}\n";
  return acc >= 0.9 ? 0 : 2;
} catch (const std::exception& e) {
  std::cerr << "fmnist_classifier_train: " << e.what() << "\n";
  return 1;
}

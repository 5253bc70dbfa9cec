// data/fashion_mnist.hpp — Fashion-MNIST (Debian's dataset-fashion-mnist, or any folder with the
// four idx files) as a Dataset, for class-conditional GANs such as BigGAN.
// Contract: the files are read and checked once, by io::load_fashion_mnist (errors name the
// file); get() returns "image" [1,28+2p,28+2p] in [-1,1] (padded with -1, the background) and
// "label" (a 0-d tensor holding the class 0..9).
#pragma once
#include <array>
#include <string>
#include <vector>

#include "../io/idx.hpp"
#include "dataset.hpp"

namespace ganlib::data {

struct FashionMnistOptions {
  std::string dir = io::kFashionMnistDir;
  bool train = true;  // train-* (60000) or t10k-* (10000)
  int pad = 0;        // border on each side: 2 gives the 32×32 a 5-level BigGAN expects
  bool flip = false;  // random horizontal flip
};

// The ten class names, in label order.
inline constexpr std::array<const char*, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

template <class T = float>
class FashionMnistDataset : public Dataset<T> {
 public:
  explicit FashionMnistDataset(FashionMnistOptions o = {})
      : o_(std::move(o)), data_(io::load_fashion_mnist(o_.dir, o_.train)) {
    GANLIB_CHECK(o_.pad >= 0 && o_.pad <= 64, "fashion-mnist dataset: pad must be in 0..64, got ", o_.pad);
  }

  int64_t size() const override { return data_.images.count; }
  std::string describe() const override {
    return "fashion-mnist '" + o_.dir + "' (" + (o_.train ? "train" : "t10k") + ", " +
           std::to_string(size()) + " images)";
  }
  int label_of(int64_t index) const { return data_.labels.at(size_t(index)); }

  Sample<T> get(int64_t index, SampleRng& rng) const override {
    this->check_index(index);
    const int64_t R = data_.images.rows, C = data_.images.cols, P = o_.pad;
    const int64_t H = R + 2 * P, W = C + 2 * P;
    const bool flip = o_.flip && rng.uniform() > 0.5;
    std::vector<T> v(size_t(H * W), T(-1));
    const uint8_t* src = data_.images.image(index);
    for (int64_t y = 0; y < R; ++y)
      for (int64_t x = 0; x < C; ++x)
        v[size_t((y + P) * W + (flip ? C - 1 - x : x) + P)] = T(src[y * C + x]) / T(127.5) - T(1);
    Sample<T> s;
    s.index = index;
    s.path = o_.dir + (o_.train ? "/train" : "/t10k") + "#" + std::to_string(index);
    s.tensors["image"] = from_vector<T, cpu>(v, {1, H, W});
    s.tensors["label"] = from_vector<T, cpu>({T(data_.labels[size_t(index)])}, Shape{});
    return s;
  }

 private:
  FashionMnistOptions o_;
  io::FashionMnist data_;
};

}  // namespace ganlib::data

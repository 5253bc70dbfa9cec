// zoo/biggan/evaluate.hpp — metrics of a generator against a dataset with the in-project
// classifier: FID (classifier features), IS (10 splits) and class-conditional accuracy.
// Contract: data moments are computed once per dataset and cached by the caller; samples are
// drawn class-balanced (class i % n_classes for sample i) so the accuracy covers every class.
#pragma once
#include "classifier.hpp"
#include "sample.hpp"
#include "train.hpp"

namespace ganlib::zoo::biggan {

struct Metrics {
  double FID = 0, IS_mean = 0, IS_std = 0, accuracy = 0;
};

template <class T, class B>
Moments data_moments(FmnistClassifier<T, B>& net, const ImageSet<T>& data, int64_t max_images = 0) {
  net.eval();
  FeatureStats st;
  const int64_t n = max_images > 0 ? std::min(max_images, data.size()) : data.size();
  for (int64_t s = 0; s < n; s += 500) {
    // The images live on the host (ImageSet); each chunk moves to B (to<cpu> is a no-op).
    const Tensor<T, B> x = to<B>(narrow(data.images, 0, s, std::min<int64_t>(500, n - s)));
    append_stats(net, x, st);
  }
  return moments(st.features);
}

template <class T, class B>
Metrics evaluate(BigGANGenerator<T, B>& G, FmnistClassifier<T, B>& net, const Moments& data, int64_t n,
                 Truncation kind, double value, Generator& gen, int64_t batch = 100) {
  net.eval();
  FeatureStats st;
  std::vector<int> classes;
  for (int64_t s = 0; s < n; s += batch) {
    const int64_t b = std::min(batch, n - s);
    std::vector<T> ids;
    for (int64_t i = 0; i < b; ++i) {
      ids.push_back(T((s + i) % G.n_classes));
      classes.push_back(int((s + i) % G.n_classes));
    }
    const auto y = from_vector<T, B>(ids, {b});
    const auto z = sample_z<T, B>(b, G.dim_z, kind, value, gen);
    Tensor<T, B> x;
    {
      no_grad ng;
      x = G.forward(z, G.condition(y));
    }
    append_stats(net, x, st);
  }
  Metrics m;
  m.FID = fid(moments(st.features), data);
  std::tie(m.IS_mean, m.IS_std) = inception_score(st.probs, 10);
  m.accuracy = class_accuracy(st.probs, classes);
  return m;
}

}  // namespace ganlib::zoo::biggan

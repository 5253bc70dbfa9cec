// zoo/biggan/classifier.hpp — the in-project evaluation network for Fashion-MNIST (no ImageNet
// Inception here): a small CNN whose 128-d penultimate features give an FID and whose softmax
// gives an Inception Score (10 splits) and the class-conditional accuracy of generated samples.
// Contract: input [N, C, 32, 32] in [−1, 1] (C > 1 is averaged to grey); keys "conv1", "conv2",
// "conv3", "fc1", "fc2" (.weight/.bias). FID = ‖μ1−μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½) in double,
// the trace of the square root through symmetric eigendecompositions (Eigen).
#pragma once
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <Eigen/Dense>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <cmath>
#include <vector>

#include <ganlib/io/safetensors.hpp>
#include <ganlib/nn.hpp>

namespace ganlib::zoo::biggan {

template <class T = float, class B = default_backend>
class FmnistClassifier : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  static constexpr int64_t kFeatures = 128;
  std::shared_ptr<nn::Conv2d<T, B>> conv1, conv2, conv3;
  std::shared_ptr<nn::Linear<T, B>> fc1, fc2;

  explicit FmnistClassifier(Generator& gen = default_generator()) {
    auto conv = [&](int64_t i, int64_t o) {
      return std::make_shared<nn::Conv2d<T, B>>(nn::Conv2dOptions{.in = i, .out = o, .kernel = 3, .padding = 1, .gen = &gen});
    };
    conv1 = this->register_module("conv1", conv(1, 32));
    conv2 = this->register_module("conv2", conv(32, 64));
    conv3 = this->register_module("conv3", conv(64, 128));
    fc1 = this->register_module("fc1", std::make_shared<nn::Linear<T, B>>(nn::LinearOptions{128 * 16, kFeatures, true, {false}, &gen}));
    fc2 = this->register_module("fc2", std::make_shared<nn::Linear<T, B>>(nn::LinearOptions{kFeatures, 10, true, {false}, &gen}));
  }
  std::string type_name() const override { return "FmnistClassifier"; }

  // Penultimate features [N, 128] (after ReLU).
  TensorT features(const TensorT& x0) {
    GANLIB_CHECK(x0.dim() == 4 && x0.size(2) == 32 && x0.size(3) == 32, "fmnist classifier: expects [N, C, 32, 32] "
                 "images, got ", to_string(x0.shape()));
    const TensorT x = x0.size(1) == 1 ? x0 : mean(x0, {1}, true);
    TensorT h = max_pool2d(relu(conv1->forward(x)), 2);
    h = max_pool2d(relu(conv2->forward(h)), 2);
    h = max_pool2d(relu(conv3->forward(h)), 2);
    return relu(fc1->forward(reshape(h, {x.size(0), -1})));
  }
  TensorT logits_from_features(const TensorT& f) { return fc2->forward(f); }
  TensorT forward(const TensorT& x) override { return logits_from_features(features(x)); }
  using nn::Module<T, B>::operator();

  void save(const std::string& path, double test_accuracy) const {
    safetensors::File f;
    for (auto& [k, t] : this->state_dict()) f.tensors[k] = safetensors::entry_from(t);
    f.metadata["model"] = "FmnistClassifier";
    f.metadata["test_accuracy"] = std::to_string(test_accuracy);
    safetensors::save(path, f);
  }
  // Returns the stored test accuracy.
  double load(const std::string& path) {
    const auto f = safetensors::load(path);
    GANLIB_CHECK(f.metadata.count("model") && f.metadata.at("model") == "FmnistClassifier", "fmnist classifier: '",
                 path, "' is not a classifier file written by fmnist_classifier_train");
    std::map<std::string, TensorT> d;
    for (auto& [k, e] : f.tensors) d[k] = safetensors::to_tensor<T, B>(e);
    this->load_state_dict(d);
    return std::stod(f.metadata.at("test_accuracy"));
  }
};

// Features and softmax probabilities of many images, in batches, without gradients.
struct FeatureStats {
  Eigen::MatrixXd features;  // [N, F]
  Eigen::MatrixXd probs;     // [N, classes]
};
template <class T, class B, class Net>
void append_stats(Net& net, const Tensor<T, B>& x, FeatureStats& s) {
  no_grad ng;
  const Tensor<T, B> f = net.features(x);
  const Tensor<T, B> p = softmax(net.logits_from_features(f), 1);
  const auto fv = f.to_vector(), pv = p.to_vector();
  const int64_t n = f.size(0), F = f.size(1), C = p.size(1);
  const int64_t r0 = s.features.rows();
  s.features.conservativeResize(r0 + n, F);
  s.probs.conservativeResize(r0 + n, C);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < F; ++j) s.features(r0 + i, j) = double(fv[size_t(i * F + j)]);
    for (int64_t j = 0; j < C; ++j) s.probs(r0 + i, j) = double(pv[size_t(i * C + j)]);
  }
}

struct Moments {
  Eigen::VectorXd mu;
  Eigen::MatrixXd sigma;
};
inline Moments moments(const Eigen::MatrixXd& f) {
  GANLIB_CHECK(f.rows() >= 2, "FID: need at least 2 samples, got ", f.rows());
  Moments m;
  m.mu = f.colwise().mean().transpose();
  const Eigen::MatrixXd c = f.rowwise() - m.mu.transpose();
  m.sigma = (c.transpose() * c) / double(f.rows() - 1);  // np.cov (unbiased), as the reference
  return m;
}

// Tr((S1 S2)^½) = Tr((S1^½ S2 S1^½)^½), a symmetric PSD matrix: two eigendecompositions.
inline double trace_sqrt_product(const Eigen::MatrixXd& s1, const Eigen::MatrixXd& s2) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> e1(s1);
  const Eigen::VectorXd d = e1.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  const Eigen::MatrixXd r1 = e1.eigenvectors() * d.asDiagonal() * e1.eigenvectors().transpose();
  const Eigen::MatrixXd m = r1 * s2 * r1;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> e2(0.5 * (m + m.transpose()), Eigen::EigenvaluesOnly);
  return e2.eigenvalues().cwiseMax(0.0).cwiseSqrt().sum();
}

inline double fid(const Moments& a, const Moments& b) {
  GANLIB_CHECK(a.mu.size() == b.mu.size(), "FID: feature sizes differ (", a.mu.size(), " vs ", b.mu.size(), ")");
  return (a.mu - b.mu).squaredNorm() + a.sigma.trace() + b.sigma.trace() - 2 * trace_sqrt_product(a.sigma, b.sigma);
}

// Inception Score over `splits` chunks: exp(E KL(p(y|x) ‖ p(y))) per chunk; {mean, std}.
inline std::pair<double, double> inception_score(const Eigen::MatrixXd& probs, int splits = 10) {
  const int64_t N = probs.rows();
  GANLIB_CHECK(splits > 0 && N >= splits, "IS: need at least ", splits, " samples, got ", N);
  std::vector<double> scores;
  for (int s = 0; s < splits; ++s) {
    const int64_t b = N * s / splits, e = N * (s + 1) / splits;
    const Eigen::MatrixXd p = probs.middleRows(b, e - b);
    const Eigen::RowVectorXd py = p.colwise().mean();
    double kl = 0;
    for (int64_t i = 0; i < p.rows(); ++i)
      for (int64_t j = 0; j < p.cols(); ++j)
        if (p(i, j) > 0) kl += p(i, j) * (std::log(p(i, j)) - std::log(std::max(py(j), 1e-30)));
    scores.push_back(std::exp(kl / double(p.rows())));
  }
  double m = 0, v = 0;
  for (double x : scores) m += x;
  m /= double(scores.size());
  for (double x : scores) v += (x - m) * (x - m);
  return {m, std::sqrt(v / double(scores.size()))};
}

// Fraction of rows whose argmax equals the intended class.
inline double class_accuracy(const Eigen::MatrixXd& probs, const std::vector<int>& classes) {
  GANLIB_CHECK(size_t(probs.rows()) == classes.size(), "class accuracy: ", probs.rows(), " rows but ", classes.size(),
               " labels");
  int64_t ok = 0;
  for (int64_t i = 0; i < probs.rows(); ++i) {
    Eigen::Index arg;
    probs.row(i).maxCoeff(&arg);
    ok += int(arg) == classes[size_t(i)];
  }
  return double(ok) / double(std::max<int64_t>(1, probs.rows()));
}

}  // namespace ganlib::zoo::biggan

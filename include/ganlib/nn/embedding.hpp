// nn/embedding.hpp — Embedding: a [num_embeddings, dim] table looked up by integer ids.
// Contract: key "weight", init N(0, 1) as torch.nn.Embedding; ids are integer-valued T tensors
// of any shape, output [ids..., dim]. Optional spectral norm (BigGAN's SNEmbedding: dim 0 =
// num_embeddings rows).
#pragma once
#include "../ops/embedding.hpp"
#include "init.hpp"
#include "spectral_norm.hpp"

namespace ganlib::nn {

struct EmbeddingOptions {
  int64_t num_embeddings = 0, dim = 0;
  SpectralNormOptions sn{false};
  Generator* gen = nullptr;
};

template <class T = float, class B = default_backend>
class Embedding : public WeightedModule<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  Embedding(int64_t num_embeddings, int64_t dim) : Embedding(EmbeddingOptions{num_embeddings, dim}) {}
  explicit Embedding(EmbeddingOptions o) : opts_(o) {
    GANLIB_CHECK(o.num_embeddings > 0 && o.dim > 0, "Embedding: num_embeddings and dim must be positive (got ",
                 o.num_embeddings, ", ", o.dim, ")");
    Generator& gen = o.gen ? *o.gen : default_generator();
    this->weight = this->register_parameter("weight", TensorT::empty({o.num_embeddings, o.dim}));
    init::normal_(this->weight, 0, 1, gen);
    this->apply_spectral_norm(o.sn, gen);
  }
  std::string type_name() const override { return "Embedding"; }
  TensorT forward(const TensorT& ids) override { return embedding(ids, this->effective_weight()); }
  using Module<T, B>::operator();

 private:
  EmbeddingOptions opts_;
};

}  // namespace ganlib::nn

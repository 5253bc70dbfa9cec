// nn/conv.hpp — Conv2d and ConvTranspose2d modules over ops/conv.hpp, as torch.nn's.
// Contract: Conv2d weight [out, in/groups, kh, kw]; ConvTranspose2d weight [in, out/groups, kh, kw];
// bias [out]; keys "weight", "bias"; PyTorch's default init (U(±1/√fan_in), fan_in from the
// weight's dims 1..). Zero padding only: reflection/replication padding are separate modules
// (nn/padding.hpp), as in pix2pixHD. Optional spectral norm (dim 0, or 1 for the transposed conv).
#pragma once
#include <cmath>

#include "init.hpp"
#include "spectral_norm.hpp"

namespace ganlib::nn {

struct Conv2dOptions {
  int64_t in = 0, out = 0;
  Int2 kernel = 1, stride = 1, padding = 0, dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  Int2 output_padding = 0;        // ConvTranspose2d only
  SpectralNormOptions sn{false};
  Generator* gen = nullptr;
};

namespace detail {
template <class T, class B>
void conv_default_init(Tensor<T, B>& w, Tensor<T, B>& b, Generator& gen) {
  const double fan_in = init::fans(w, "conv init").in;
  const double bound = 1 / std::sqrt(fan_in);
  init::uniform_(w, -bound, bound, gen);
  if (b.defined()) init::uniform_(b, -bound, bound, gen);
}
inline void check_conv_options(const char* who, const Conv2dOptions& o) {
  GANLIB_CHECK(o.in > 0 && o.out > 0 && o.groups > 0 && o.in % o.groups == 0 && o.out % o.groups == 0,
               who, ": in ", o.in, " and out ", o.out, " channels must be positive multiples of groups ",
               o.groups);
  GANLIB_CHECK(o.kernel.h > 0 && o.kernel.w > 0, who, ": kernel ", to_string(o.kernel), " must be positive");
}
}  // namespace detail

template <class T = float, class B = default_backend>
class Conv2d : public WeightedModule<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  Conv2d(int64_t in, int64_t out, Int2 kernel, Int2 stride = 1, Int2 padding = 0, bool bias = true)
      : Conv2d(Conv2dOptions{in, out, kernel, stride, padding, 1, 1, bias}) {}
  explicit Conv2d(Conv2dOptions o) : opts_(o) {
    detail::check_conv_options("Conv2d", o);
    Generator& gen = o.gen ? *o.gen : default_generator();
    this->weight = this->register_parameter("weight", TensorT::empty({o.out, o.in / o.groups, o.kernel.h, o.kernel.w}));
    if (o.bias) this->bias = this->register_parameter("bias", TensorT::empty({o.out}));
    detail::conv_default_init(this->weight, this->bias, gen);
    this->apply_spectral_norm(o.sn, gen);
  }
  std::string type_name() const override { return "Conv2d"; }
  const Conv2dOptions& options() const { return opts_; }
  TensorT forward(const TensorT& x) override {
    return conv2d(x, this->effective_weight(), this->bias, opts_.stride, opts_.padding,
                  opts_.dilation, opts_.groups);
  }
  using Module<T, B>::operator();

 private:
  Conv2dOptions opts_;
};

template <class T = float, class B = default_backend>
class ConvTranspose2d : public WeightedModule<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  ConvTranspose2d(int64_t in, int64_t out, Int2 kernel, Int2 stride = 1, Int2 padding = 0,
                  Int2 output_padding = 0, bool bias = true)
      : ConvTranspose2d(Conv2dOptions{in, out, kernel, stride, padding, 1, 1, bias, output_padding}) {}
  explicit ConvTranspose2d(Conv2dOptions o) : opts_(o) {
    detail::check_conv_options("ConvTranspose2d", o);
    Generator& gen = o.gen ? *o.gen : default_generator();
    this->weight = this->register_parameter("weight", TensorT::empty({o.in, o.out / o.groups, o.kernel.h, o.kernel.w}));
    if (o.bias) this->bias = this->register_parameter("bias", TensorT::empty({o.out}));
    detail::conv_default_init(this->weight, this->bias, gen);
    this->apply_spectral_norm(o.sn, gen);
  }
  std::string type_name() const override { return "ConvTranspose2d"; }
  const Conv2dOptions& options() const { return opts_; }
  TensorT forward(const TensorT& x) override {
    return conv_transpose2d(x, this->effective_weight(), this->bias, opts_.stride, opts_.padding,
                            opts_.output_padding, opts_.groups, opts_.dilation);
  }
  using Module<T, B>::operator();

 protected:
  int64_t spectral_norm_dim() const override { return 1; }  // torch: dim 1 for ConvTranspose

 private:
  Conv2dOptions opts_;
};

}  // namespace ganlib::nn

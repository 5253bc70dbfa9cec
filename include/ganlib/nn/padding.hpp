// nn/padding.hpp — ReflectionPad2d, ReplicationPad2d, ZeroPad2d (and ConstantPad2d) modules.
// Contract: padding is {left, right, top, bottom} (one number: all four), as torch.nn; forward
// is ops/pad.hpp's pad2d. Parameter-free.
#pragma once
#include <array>

#include "../ops/pad.hpp"
#include "module.hpp"

namespace ganlib::nn {

template <class T = float, class B = default_backend>
class Pad2d : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  Pad2d(std::array<int64_t, 4> padding, PadMode mode, double value = 0)
      : padding_(padding), mode_(mode), value_(value) {}
  std::string type_name() const override {
    return mode_ == PadMode::reflect ? "ReflectionPad2d" : mode_ == PadMode::replicate ? "ReplicationPad2d" : "ConstantPad2d";
  }
  TensorT forward(const TensorT& x) override { return pad2d(x, padding_, mode_, T(value_)); }
  using Module<T, B>::operator();
  const std::array<int64_t, 4>& padding() const { return padding_; }

 private:
  std::array<int64_t, 4> padding_;
  PadMode mode_;
  double value_;
};

template <class T = float, class B = default_backend>
struct ReflectionPad2d : Pad2d<T, B> {
  explicit ReflectionPad2d(int64_t p) : Pad2d<T, B>({p, p, p, p}, PadMode::reflect) {}
  explicit ReflectionPad2d(std::array<int64_t, 4> p) : Pad2d<T, B>(p, PadMode::reflect) {}
};
template <class T = float, class B = default_backend>
struct ReplicationPad2d : Pad2d<T, B> {
  explicit ReplicationPad2d(int64_t p) : Pad2d<T, B>({p, p, p, p}, PadMode::replicate) {}
  explicit ReplicationPad2d(std::array<int64_t, 4> p) : Pad2d<T, B>(p, PadMode::replicate) {}
};
template <class T = float, class B = default_backend>
struct ZeroPad2d : Pad2d<T, B> {
  explicit ZeroPad2d(int64_t p) : Pad2d<T, B>({p, p, p, p}, PadMode::constant) {}
  explicit ZeroPad2d(std::array<int64_t, 4> p) : Pad2d<T, B>(p, PadMode::constant) {}
};

}  // namespace ganlib::nn

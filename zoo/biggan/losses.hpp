// zoo/biggan/losses.hpp — BigGAN's hinge losses (losses.py loss_hinge_dis / loss_hinge_gen).
// Contract: hinge_dis returns the two terms separately (the reference logs both):
// real = mean(relu(1 − D(x))), fake = mean(relu(1 + D(G(z)))); hinge_gen = −mean(D(G(z))).
#pragma once
#include <utility>

#include <ganlib/ops.hpp>

namespace ganlib::zoo::biggan {

template <class T, class B>
std::pair<Tensor<T, B>, Tensor<T, B>> hinge_dis(const Tensor<T, B>& d_fake, const Tensor<T, B>& d_real) {
  return {mean(relu(rsub_scalar(d_real, T(1)))), mean(relu(add_scalar(d_fake, T(1))))};
}
template <class T, class B>
Tensor<T, B> hinge_gen(const Tensor<T, B>& d_fake) {
  return neg(mean(d_fake));
}

}  // namespace ganlib::zoo::biggan

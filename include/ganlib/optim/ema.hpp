// optim/ema.hpp — exponential moving average of a model's weights *and* buffers (BigGAN's
// utils.ema): target = decay·target + (1 − decay)·source after every G step; before start_itr
// the target is a hard copy (decay 0).
// Contract: source and target have the same state_dict keys and shapes (two instances built
// from the same options); the constructor copies source into target. Counters
// ("num_batches_tracked") are copied, not averaged.
#pragma once
#include "../nn/module.hpp"

namespace ganlib::optim {

template <class T = float, class B = default_backend>
class EMA {
 public:
  EMA(const nn::Module<T, B>& source, nn::Module<T, B>& target, double decay = 0.9999, int64_t start_itr = 0)
      : src_(source.named_state()), dst_(target.named_state()), decay_(decay), start_(start_itr) {
    GANLIB_CHECK(decay >= 0 && decay <= 1, "EMA: decay must be in [0, 1], got ", decay);
    GANLIB_CHECK(src_.size() == dst_.size(), "EMA: source has ", src_.size(), " state entries, target ",
                 dst_.size());
    for (size_t i = 0; i < src_.size(); ++i)
      GANLIB_CHECK(src_[i].first == dst_[i].first && src_[i].second.shape() == dst_[i].second.shape(),
                   "EMA: source entry \"", src_[i].first, "\" ", to_string(src_[i].second.shape()),
                   " does not match target entry \"", dst_[i].first, "\" ", to_string(dst_[i].second.shape()));
    no_grad guard;
    for (size_t i = 0; i < src_.size(); ++i) copy_(dst_[i].second, src_[i].second);
  }

  // The decay used at iteration itr (0 before start_itr).
  double decay_at(int64_t itr) const { return (start_ > 0 && itr < start_) ? 0.0 : decay_; }

  void update(int64_t itr) {
    const double d = decay_at(itr);
    no_grad guard;
    for (size_t i = 0; i < src_.size(); ++i) {
      auto& t = dst_[i].second;
      const auto& s = src_[i].second;
      const std::string& key = dst_[i].first;
      const bool counter = key.size() >= 19 && key.compare(key.size() - 19, 19, "num_batches_tracked") == 0;
      if (d == 0 || counter) {
        copy_(t, s);
      } else {
        mul_(t, T(d));
        add_(t, s, T(1 - d));
      }
    }
  }

 private:
  typename nn::Module<T, B>::Named src_, dst_;
  double decay_;
  int64_t start_;
};

}  // namespace ganlib::optim

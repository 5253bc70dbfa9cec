// zoo/biggan/train.hpp — BigGAN's training function (train_fns.GAN_training_function), EMA,
// standing statistics, the in-memory datasets it trains on, and checkpoints.
// Contract: one train_step consumes batch_size × num_D_steps × num_D_accumulations real
// images: num_D_steps D steps, each accumulating num_D_accumulations micro-batches
// ((L_real + L_fake) / num_D_accumulations each), optional D ortho reg, Adam step; then one G
// step accumulating num_G_accumulations micro-batches of G_batch_size with D frozen
// (toggle_grads), optional G ortho reg (shared embedding excluded), Adam step, EMA update.
// Checkpoints are one safetensors file (G., D., G_ema., G_optim., D_optim. tensors; options,
// counters and RNG state in the metadata); loading one made with another architecture is an
// error naming the options that differ.
#pragma once
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include <ganlib/amp.hpp>
#include <ganlib/data/class_folder.hpp>
#include <ganlib/data/fashion_mnist.hpp>
#include <ganlib/io/idx.hpp>
#include <ganlib/io/safetensors.hpp>
#include <ganlib/optim.hpp>

#include "discriminator.hpp"
#include "generator.hpp"
#include "losses.hpp"
#include "sample.hpp"

namespace ganlib::zoo::biggan {

// ---- data ---------------------------------------------------------------------------------
// All images in memory (BigGAN's --load_in_mem): [N, C, R, R] in [−1, 1] and labels.
template <class T = float>
struct ImageSet {
  Tensor<T, cpu> images;
  std::vector<int> labels;
  std::vector<std::string> classes;
  int64_t size() const { return int64_t(labels.size()); }
};

// Fashion-MNIST (idx files in `dir`), 28×28 padded with the background to 32 (then resized
// bilinearly for larger resolutions), grey replicated to `channels`.
template <class T = float>
ImageSet<T> load_fashion_mnist_set(const std::string& dir, bool train, int resolution, int64_t channels) {
  GANLIB_CHECK(resolution >= 32, "biggan data: Fashion-MNIST needs resolution >= 32 (it is padded 28 -> 32), got ",
               resolution);
  const auto fm = io::load_fashion_mnist(dir, train);
  const int64_t N = fm.images.count, R = 32;
  std::vector<T> v(size_t(N * R * R), T(-1));
  for (int64_t n = 0; n < N; ++n) {
    const uint8_t* src = fm.images.image(n);
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t x = 0; x < 28; ++x) v[size_t((n * R + y + 2) * R + x + 2)] = T(src[y * 28 + x]) / T(127.5) - T(1);
  }
  ImageSet<T> s;
  s.images = from_vector<T, cpu>(v, {N, 1, R, R});
  if (resolution != 32) s.images = upsample2d_to(s.images, Int2{resolution, resolution}, UpsampleMode::bilinear);
  if (channels > 1) s.images = contiguous(expand(s.images, {N, channels, int64_t(resolution), int64_t(resolution)}));
  s.labels.assign(fm.labels.begin(), fm.labels.end());
  for (auto* c : data::kFashionMnistClasses) s.classes.push_back(c);
  return s;
}

// A class-folder dataset (<root>/<class>/<images>), centre-cropped and resized to `resolution`.
template <class T = float>
ImageSet<T> load_folder_set(const std::string& root, int resolution, int64_t channels) {
  GANLIB_CHECK(channels == 1 || channels == 3, "biggan data: a class-folder dataset needs img_channels 1 or 3, got ",
               channels);
  data::ClassFolderDataset<T> ds({.root = root, .channels = int(channels), .image_size = resolution});
  ImageSet<T> s;
  s.classes = ds.classes();
  std::vector<Tensor<T, cpu>> items;
  data::SampleRng rng(0);
  for (int64_t i = 0; i < ds.size(); ++i) {
    items.push_back(unsqueeze(ds.get(i, rng)["image"], 0));
    s.labels.push_back(ds.label_of(i));
  }
  s.images = concat(items, 0);
  return s;
}

// ---- trainer ------------------------------------------------------------------------------
struct StepLosses {
  double D_loss_real = 0, D_loss_fake = 0, G_loss = 0;
};

template <class T = float, class B = default_backend>
class Trainer {
 public:
  using TensorT = Tensor<T, B>;
  Options o;
  Generator gen;  // z, y and batch order
  std::shared_ptr<BigGANGenerator<T, B>> G, G_ema;
  std::shared_ptr<BigGANDiscriminator<T, B>> D;
  std::unique_ptr<optim::Adam<T, B>> G_optim, D_optim;
  std::unique_ptr<optim::EMA<T, B>> ema;
  amp::GradScaler<T, B> scaler;  // --G/D_mixed_precision: dynamic loss scaling; else passes through
  int64_t itr = 0, epoch = 0, pos = 0;
  double best_FID = std::numeric_limits<double>::infinity(), best_IS = 0;

  explicit Trainer(Options opt)
      : o(std::move(opt)), gen(o.seed), scaler({.enabled = o.G_mixed_precision || o.D_mixed_precision}) {
    Generator init_gen(o.seed);
    G = std::make_shared<BigGANGenerator<T, B>>(o, init_gen);
    D = std::make_shared<BigGANDiscriminator<T, B>>(o, init_gen);
    G_optim = std::make_unique<optim::Adam<T, B>>(G->parameters(), optim::AdamOptions{o.G_lr, o.G_B1, o.G_B2, o.adam_eps, 0});
    D_optim = std::make_unique<optim::Adam<T, B>>(D->parameters(), optim::AdamOptions{o.D_lr, o.D_B1, o.D_B2, o.adam_eps, 0});
    if (o.ema) {
      Options eo = o;
      eo.skip_init = true;  // the EMA copy starts as a copy of G
      Generator g2(o.seed);
      G_ema = std::make_shared<BigGANGenerator<T, B>>(eo, g2);
      G_ema->requires_grad_(false);
      ema = std::make_unique<optim::EMA<T, B>>(*G, *G_ema, o.ema_decay, o.ema_start);
    }
  }

  Precision G_precision() const { return o.G_mixed_precision ? Precision::fp16 : Precision::fp32; }
  Precision D_precision() const { return o.D_mixed_precision ? Precision::fp16 : Precision::fp32; }

  // The generator used for samples and metrics (G_ema with --use_ema), in the mode the
  // options ask for (eval with --G_eval_mode).
  BigGANGenerator<T, B>& sampling_G() {
    auto& g = (o.use_ema && G_ema) ? *G_ema : *G;
    g.train(!o.G_eval_mode);
    return g;
  }

  // D's gradients for one D step, accumulated over micro-batches (zeroes them first).
  std::pair<double, double> d_backward(const std::vector<TensorT>& x_real, const std::vector<TensorT>& y_real,
                                       const std::vector<TensorT>& z, const std::vector<TensorT>& y_fake) {
    D_optim->zero_grad();
    double lr = 0, lf = 0;
    const T scale = T(1) / T(x_real.size());
    for (size_t a = 0; a < x_real.size(); ++a) {
      TensorT fake;
      {
        no_grad ng;
        const amp::Autocast mixed(G_precision());
        fake = G->forward(z[a], G->condition(y_fake[a]));
      }
      TensorT d_fake, d_real;
      {
        const amp::Autocast mixed(D_precision());  // forward only; backward runs as recorded
        if (o.split_D) {
          d_fake = D->forward(fake, y_fake[a]);
          d_real = D->forward(x_real[a], y_real[a]);
        } else {
          const TensorT out = D->forward(concat(std::vector<TensorT>{fake, x_real[a]}, 0),
                                         concat(std::vector<TensorT>{y_fake[a], y_real[a]}, 0));
          d_fake = narrow(out, 0, 0, fake.size(0));
          d_real = narrow(out, 0, fake.size(0), x_real[a].size(0));
        }
      }
      auto [real, fk] = hinge_dis(d_fake, d_real);
      scaler.scale(mul_scalar(add(real, fk), scale)).backward();
      lr += double(real.item()) * double(scale);
      lf += double(fk.item()) * double(scale);
    }
    if (o.D_ortho > 0) {
      scaler.unscale(*D_optim);  // the regulariser's gradient is added unscaled
      optim::ortho_(D->parameters(), o.D_ortho);
    }
    return {lr, lf};
  }

  // G's gradients for one G step, accumulated over micro-batches, D frozen (toggle_grads).
  double g_backward(const std::vector<TensorT>& z, const std::vector<TensorT>& y) {
    if (o.toggle_grads) D->requires_grad_(false);
    G_optim->zero_grad();
    double l = 0;
    const T scale = T(1) / T(z.size());
    for (size_t a = 0; a < z.size(); ++a) {
      TensorT loss;
      {
        TensorT fake;
        {
          const amp::Autocast mixed(G_precision());
          fake = G->forward(z[a], G->condition(y[a]));
        }
        const amp::Autocast mixed(D_precision());
        loss = hinge_gen(D->forward(fake, y[a]));
      }
      scaler.scale(mul_scalar(loss, scale)).backward();
      l += double(loss.item()) * double(scale);
    }
    if (o.toggle_grads) D->requires_grad_(true);
    if (o.G_ortho > 0) {
      scaler.unscale(*G_optim);
      optim::ortho_(G->parameters(), o.G_ortho, shared_params());
    }
    return l;
  }

  // One iteration on x [batch_size × num_D_steps × num_D_accumulations, C, R, R], y [same].
  StepLosses train_step(const TensorT& x, const TensorT& y) {
    const int64_t bs = o.batch_size, nA = o.num_D_accumulations;
    GANLIB_CHECK(x.size(0) == bs * o.num_D_steps * nA && y.size(0) == x.size(0), "biggan train_step: expects ",
                 bs * o.num_D_steps * nA, " real images and labels, got ", to_string(x.shape()), " and ",
                 to_string(y.shape()));
    ++itr;
    G->train();
    D->train();
    StepLosses L;
    int64_t counter = 0;
    for (int64_t s = 0; s < o.num_D_steps; ++s) {
      std::vector<TensorT> xr, yr, zf, yf;
      for (int64_t a = 0; a < nA; ++a, ++counter) {
        xr.push_back(narrow(x, 0, counter * bs, bs));
        yr.push_back(narrow(y, 0, counter * bs, bs));
        zf.push_back(sample_z_std<T, B>(bs, G->dim_z, o.z_var, gen));
        yf.push_back(sample_y<T, B>(bs, o.n_classes, gen));
      }
      std::tie(L.D_loss_real, L.D_loss_fake) = d_backward(xr, yr, zf, yf);
      scaler.step(*D_optim);
      scaler.update();
    }
    std::vector<TensorT> zg, yg;
    for (int64_t a = 0; a < o.num_G_accumulations; ++a) {
      zg.push_back(sample_z_std<T, B>(o.G_batch_size, G->dim_z, o.z_var, gen));
      yg.push_back(sample_y<T, B>(o.G_batch_size, o.n_classes, gen));
    }
    L.G_loss = g_backward(zg, yg);
    scaler.step(*G_optim);
    scaler.update();
    if (ema) ema->update(itr);
    return L;
  }

  std::vector<TensorT> shared_params() const { return G->shared ? G->shared->parameters() : std::vector<TensorT>{}; }

  // Standing statistics (utils.accumulate_standing_stats): reset the BN statistics and average
  // those of `passes` train-mode batches of fresh z, y; leaves the net in eval mode.
  void accumulate_standing_stats(BigGANGenerator<T, B>& g, int64_t passes) {
    reset_bn_stats(g);
    g.train();
    {
      no_grad ng;
      for (int64_t k = 1; k <= passes; ++k) {
        set_bn_momentum(g, 1.0 / double(k));
        g.forward(sample_z_std<T, B>(o.G_batch_size, g.dim_z, o.z_var, gen),
                  g.condition(sample_y<T, B>(o.G_batch_size, o.n_classes, gen)));
      }
    }
    set_bn_momentum(g, 0.1);
    g.eval();
  }

  // ---- batches ----------------------------------------------------------------------------
  // The next n items of a per-epoch shuffled order (seeded by seed and epoch: resumable).
  template <class TD>
  std::pair<TensorT, TensorT> next_batch(const ImageSet<TD>& data, int64_t n) {
    GANLIB_CHECK(data.size() >= n, "biggan: the dataset has ", data.size(), " images, fewer than one iteration's ", n);
    std::vector<int64_t> idx;
    while (int64_t(idx.size()) < n) {
      if (pos + (n - int64_t(idx.size())) > data.size()) {  // drop the epoch's tail, as drop_last
        ++epoch;
        pos = 0;
      }
      const auto perm = permutation(data.size(), epoch);
      for (; int64_t(idx.size()) < n; ++pos) idx.push_back(perm[size_t(pos)]);
    }
    const auto& s = data.images.shape();
    const int64_t per = s[1] * s[2] * s[3];
    std::vector<T> xv(static_cast<size_t>(n * per)), yv(static_cast<size_t>(n));
    const TD* src = data.images.data();
    for (int64_t i = 0; i < n; ++i) {
      std::copy(src + idx[size_t(i)] * per, src + (idx[size_t(i)] + 1) * per, xv.begin() + i * per);
      yv[size_t(i)] = T(data.labels[size_t(idx[size_t(i)])]);
    }
    return {from_vector<T, B>(xv, {n, s[1], s[2], s[3]}), from_vector<T, B>(yv, {n})};
  }
  std::vector<int64_t> permutation(int64_t n, int64_t ep) const {
    std::vector<int64_t> p(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) p[size_t(i)] = i;
    if (o.shuffle) {
      std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ull + uint64_t(ep));
      for (int64_t i = n - 1; i > 0; --i) std::swap(p[size_t(i)], p[size_t(rng() % uint64_t(i + 1))]);
    }
    return p;
  }

  // ---- checkpoints ------------------------------------------------------------------------
  void save(const std::string& path) const {
    safetensors::File f;
    auto put = [&](const std::string& prefix, const auto& dict) {
      for (auto& [k, t] : dict) f.tensors[prefix + k] = safetensors::entry_from(t);
    };
    put("G.", G->state_dict());
    put("D.", D->state_dict());
    if (G_ema) put("G_ema.", G_ema->state_dict());
    put("G_optim.", G_optim->state_dict());
    put("D_optim.", D_optim->state_dict());
    if (scaler.enabled()) put("scaler.", scaler.state_dict());
    f.metadata["config"] = nlohmann::json(to_map(o)).dump();
    nlohmann::json st{{"itr", itr}, {"epoch", epoch}, {"pos", pos}, {"best_FID", best_FID}, {"best_IS", best_IS},
                      {"gen_seed", gen.seed()}, {"gen_offset", gen.offset()}};
    if (!std::isfinite(best_FID)) st["best_FID"] = nullptr;
    f.metadata["state_dict"] = st.dump();
    std::filesystem::create_directories(std::filesystem::path(path).parent_path().empty()
                                            ? std::filesystem::path(".")
                                            : std::filesystem::path(path).parent_path());
    safetensors::save(path, f);
  }

  // Architecture options a checkpoint must agree on.
  static const std::vector<std::string>& architecture_keys() {
    static const std::vector<std::string> k{"resolution", "n_classes", "img_channels", "G_ch", "D_ch", "G_shared",
                                            "shared_dim", "dim_z", "hier", "G_attn", "D_attn", "D_wide",
                                            "G_param", "D_param", "ema"};
    return k;
  }

  void load(const std::string& path, bool weights_only = false) {
    const auto f = safetensors::load(path);
    GANLIB_CHECK(f.metadata.count("config") && f.metadata.count("state_dict"), "biggan: '", path,
                 "' is not a BigGAN checkpoint (no config / state_dict metadata)");
    const auto stored = nlohmann::json::parse(f.metadata.at("config")).get<std::map<std::string, std::string>>();
    const auto mine = to_map(o);
    std::string diff;
    for (auto& k : architecture_keys()) {
      auto it = stored.find(k);
      const std::string theirs = it == stored.end() ? "<absent>" : it->second;
      if (theirs != mine.at(k)) diff += " " + k + " (checkpoint " + theirs + ", this run " + mine.at(k) + ")";
    }
    GANLIB_CHECK(diff.empty(), "biggan: checkpoint '", path, "' was made with another configuration:", diff);
    auto take = [&](const std::string& prefix) {
      std::map<std::string, TensorT> d;
      for (auto& [k, e] : f.tensors)
        if (k.rfind(prefix, 0) == 0) d[k.substr(prefix.size())] = safetensors::to_tensor<T, B>(e);
      return d;
    };
    G->load_state_dict(take("G."));
    D->load_state_dict(take("D."));
    if (G_ema) G_ema->load_state_dict(take("G_ema."));
    if (weights_only) return;
    G_optim->load_state_dict(take("G_optim."));
    D_optim->load_state_dict(take("D_optim."));
    if (scaler.enabled() && f.tensors.count("scaler.scale")) scaler.load_state_dict(take("scaler."));
    const auto st = nlohmann::json::parse(f.metadata.at("state_dict"));
    itr = st.at("itr");
    epoch = st.at("epoch");
    pos = st.at("pos");
    best_FID = st.at("best_FID").is_null() ? std::numeric_limits<double>::infinity() : st.at("best_FID").get<double>();
    best_IS = st.at("best_IS");
    gen.set_state(st.at("gen_seed"), st.at("gen_offset"));
  }
};

// The options a checkpoint was trained with (for programs that sample or evaluate it).
inline Options options_of_checkpoint(const std::string& path) {
  const auto f = safetensors::load(path);
  GANLIB_CHECK(f.metadata.count("config"), "biggan: '", path, "' is not a BigGAN checkpoint (no config metadata)");
  Options o = from_map(nlohmann::json::parse(f.metadata.at("config")).get<std::map<std::string, std::string>>());
  finalize(o);
  return o;
}

}  // namespace ganlib::zoo::biggan

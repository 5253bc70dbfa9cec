// zoo/pix2pixhd/model.hpp — pix2pixHD's model (models/pix2pixHD_model.py as described in zoo.md
// §1.2–1.4): input encoding (one-hot labels + instance boundary map + encoded instance features),
// the per-iteration G step then D step, the two-stage global → local schedule, inference, and
// network files that record the options that shaped them.
// Contract: label maps are [N, 1, H, W] of ids in 0..label_nc−1 (or [N, input_nc, H, W] images in
// [−1, 1] when label_nc is 0), instance maps [N, 1, H, W] of ids, images [N, 3, H, W] in [−1, 1].
// A bad id, a size mismatch, a missing file or a network file made with other options is a
// ganlib::Error naming the file or value.
#pragma once
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <ganlib/amp.hpp>
#include <ganlib/io/safetensors.hpp>
#include <ganlib/optim/adam.hpp>
#include <ganlib/optim/schedule.hpp>

#include "losses.hpp"
#include "networks.hpp"
#include "options.hpp"

namespace ganlib::zoo::pix2pixhd {

// The options that shape each network's parameters (a network file records them).
inline std::vector<std::string> architecture_keys(const std::string& net) {
  if (net == "G")
    return {"netG", "norm", "label_nc", "input_nc", "output_nc", "ngf", "n_downsample_global", "n_blocks_global",
            "n_blocks_local", "n_local_enhancers", "no_instance", "instance_feat", "feat_num"};
  if (net == "D")
    return {"norm", "label_nc", "input_nc", "output_nc", "no_instance", "num_D", "n_layers_D", "ndf",
            "no_ganFeat_loss"};
  GANLIB_CHECK(net == "E", "pix2pixhd: unknown network '", net, "' (G, D or E)");
  return {"norm", "output_nc", "feat_num", "nef", "n_downsample_E"};
}

inline std::string option_value(const Options& o, const std::string& key) {
  for (auto& [k, v] : values(o))
    if (k == key) return v;
  ganlib::detail::fail("pix2pixhd: no option named '", key, "'");
}

// Writes a network's state_dict with the options that shaped it as metadata.
template <class T, class B>
void save_network(const std::string& path, const nn::Module<T, B>& net, const std::string& which, const Options& o) {
  safetensors::File f;
  for (auto& [k, t] : net.named_state()) f.tensors[k] = safetensors::entry_from(t);
  f.metadata["network"] = which;
  for (auto& k : architecture_keys(which)) f.metadata[k] = option_value(o, k);
  io::make_folders(io::detail::parent_folder(path), "pix2pixhd");
  safetensors::save(path, f);
}

// The options a network file records (empty for files without them, e.g. converted weights).
inline std::map<std::string, std::string> recorded_architecture(const std::string& path) {
  GANLIB_CHECK(std::filesystem::exists(path), "pix2pixhd: checkpoint '", path, "' does not exist");
  return safetensors::load(path).metadata;
}

// Takes the architecture options a network file recorded for every key the user did not give
// on the command line (`given`), so a test run needs only --name (pix2pixHD#51: train/test flag
// mismatches). Explicit flags are kept; load_network then reports any conflict.
inline void adopt_architecture(Options& o, const std::string& path, const std::string& which,
                               const std::vector<std::string>& given) {
  const auto rec = recorded_architecture(path);
  std::vector<std::string> args;
  for (auto& k : architecture_keys(which)) {
    auto it = rec.find(k);
    if (it == rec.end() || std::find(given.begin(), given.end(), k) != given.end()) continue;
    args.push_back("--" + k);
    args.push_back(it->second == "True" ? "true" : it->second == "False" ? "false" : it->second);
  }
  parse(o, args);
}

// The option names present in a command line ("--ngf 32" → "ngf").
inline std::vector<std::string> given_options(int argc, char** argv) {
  std::vector<std::string> g;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) continue;
    a = a.substr(2);
    g.push_back(a.substr(0, a.find('=')));
  }
  return g;
}

// Loads a network file. strict: the recorded options must equal ours and every key must match
// (the error names the file, the option and both values); partial (--load_pretrain, e.g. a 512p
// G into the local model): tensors whose names and shapes match are copied, the rest reported.
template <class T, class B>
void load_network(const std::string& path, nn::Module<T, B>& net, const std::string& which, const Options& o,
                  bool partial = false, std::ostream* log = nullptr) {
  GANLIB_CHECK(std::filesystem::exists(path), "pix2pixhd: checkpoint '", path, "' does not exist");
  const safetensors::File f = safetensors::load(path);
  if (!partial)
    for (auto& k : architecture_keys(which)) {
      auto it = f.metadata.find(k);
      if (it == f.metadata.end()) continue;
      const std::string mine = option_value(o, k);
      GANLIB_CHECK(it->second == mine, "pix2pixhd: checkpoint '", path, "' was made with --", k, " ", it->second,
                   ", but this run has --", k, " ", mine, " (pass the options the network was trained with)");
    }
  typename nn::Module<T, B>::StateDict sd;
  std::vector<std::string> skipped;
  const auto mine = net.state_dict();
  for (auto& [k, e] : f.tensors) {
    auto it = mine.find(k);
    if (partial && (it == mine.end() || it->second.shape() != e.shape)) {
      skipped.push_back(k);
      continue;
    }
    if (!partial && it != mine.end())
      GANLIB_CHECK(it->second.shape() == e.shape, "pix2pixhd: checkpoint '", path, "': \"", k, "\" has shape ",
                   to_string(e.shape), ", the ", which, " network expects ", to_string(it->second.shape()),
                   " (a different configuration)");
    sd[k] = safetensors::to_tensor<T, B>(e);
  }
  if (!partial) {
    try {
      net.load_state_dict(sd, true);
    } catch (const Error& e) {
      ganlib::detail::fail("pix2pixhd: checkpoint '", path, "' does not fit the ", which, " network (a different "
                   "configuration?): ", e.what());
    }
    return;
  }
  const nn::LoadReport r = net.load_state_dict(sd, false);
  if (log && (!r.missing.empty() || !skipped.empty())) {
    *log << "pix2pixhd: partial load of " << which << " from '" << path << "': " << sd.size() << " tensors copied";
    if (!r.missing.empty()) *log << ", " << r.missing.size() << " not initialized (e.g. " << r.missing.front() << ")";
    if (!skipped.empty()) *log << ", " << skipped.size() << " in the file unused (e.g. " << skipped.front() << ")";
    *log << "\n";
  }
}

// The losses of one forward pass, and the generated image.
template <class T, class B>
struct LossTerms {
  Tensor<T, B> G_GAN, G_GAN_Feat, G_VGG, D_real, D_fake, fake;
  // Named values in the reference's order (terms that are off are 0).
  std::vector<std::pair<std::string, double>> scalars() const {
    auto v = [](const Tensor<T, B>& t) { return t.defined() ? double(t.item()) : 0.0; };
    return {{"G_GAN", v(G_GAN)}, {"G_GAN_Feat", v(G_GAN_Feat)}, {"G_VGG", v(G_VGG)}, {"D_real", v(D_real)},
            {"D_fake", v(D_fake)}};
  }
};

template <class T = float, class B = default_backend>
class Pix2PixHDModel {
 public:
  using TensorT = Tensor<T, B>;

  // Builds G (+ E) always, D, the losses and the optimizers when training. `log` gets the
  // one-time messages (VGG off, the fixed-global stage).
  Pix2PixHDModel(const Options& o, bool is_train, std::ostream& log = std::cout)
      : scaler({.enabled = o.fp16}), opt_(o), is_train_(is_train), gen_(uint64_t(o.seed)), log_(&log) {
    validate(o);
    if (o.netG == "global") {
      global_ = std::make_shared<GlobalGenerator<T, B>>(GlobalGeneratorOptions{
          o.g_input_nc(), o.output_nc, o.ngf, o.n_downsample_global, o.n_blocks_global, o.norm});
      netG = global_;
    } else {
      local_ = std::make_shared<LocalEnhancer<T, B>>(LocalEnhancerOptions{
          o.g_input_nc(), o.output_nc, o.ngf, o.n_downsample_global, o.n_blocks_global, o.n_local_enhancers,
          o.n_blocks_local, o.norm});
      netG = local_;
    }
    init_weights(*netG, gen_);
    if (o.use_features()) {
      netE = std::make_shared<Encoder<T, B>>(EncoderOptions{o.output_nc, o.feat_num, o.nef, o.n_downsample_E, o.norm});
      init_weights(*netE, gen_);
    }
    if (!is_train) return;
    netD = std::make_shared<MultiscaleDiscriminator<T, B>>(
        DiscriminatorOptions{o.d_input_nc(), o.ndf, o.n_layers_D, o.num_D, o.norm, !o.no_ganFeat_loss});
    init_weights(*netD, gen_);
    if (!o.no_vgg_loss) {
      if (o.vgg_weights.empty()) {
        log << "pix2pixhd: no --vgg_weights given (a torchvision-named VGG19 safetensors file): training with the "
               "VGG perceptual loss off\n";
      } else {
        GANLIB_CHECK(std::filesystem::exists(o.vgg_weights), "pix2pixhd: --vgg_weights '", o.vgg_weights,
                     "' does not exist");
        auto v = std::make_shared<VGG19Features<T, B>>();
        v->load(o.vgg_weights);
        vgg_ = std::make_unique<VGGLoss<T, B>>(v);
      }
    }
    make_optimizers(fixed_global_for_epoch(1));
  }

  const Options& options() const { return opt_; }
  bool vgg_enabled() const { return bool(vgg_); }
  Generator& generator() { return gen_; }

  // ---- input encoding ------------------------------------------------------------------------
  // One-hot labels (+ the instance boundary map). `where` names the sample in errors.
  TensorT encode_input(const TensorT& label, const TensorT& inst, const std::string& where = "") const {
    const std::string at = where.empty() ? "" : " ('" + where + "')";
    TensorT input;
    if (opt_.label_nc == 0) {
      GANLIB_CHECK(label.dim() == 4 && label.size(1) == opt_.input_nc, "pix2pixhd: input image", at, " ",
                   to_string(label.shape()), " must be [N, ", opt_.input_nc, ", H, W] with --label_nc 0");
      input = label.detach();
    } else {
      GANLIB_CHECK(label.dim() == 4 && label.size(1) == 1, "pix2pixhd: label map", at, " ", to_string(label.shape()),
                   " must be [N, 1, H, W]");
      check_label_ids(label, at);
      input = one_hot(label, opt_.label_nc);
    }
    if (!opt_.no_instance) {
      GANLIB_CHECK(inst.defined(), "pix2pixhd: an instance map is needed (or pass --no_instance)");
      GANLIB_CHECK(inst.dim() == 4 && inst.size(0) == label.size(0) && inst.size(1) == 1 &&
                       inst.size(2) == label.size(2) && inst.size(3) == label.size(3),
                   "pix2pixhd: instance map", at, " ", to_string(inst.shape()), " does not match the label map ",
                   to_string(label.shape()), " (expected [", label.size(0), ", 1, ", label.size(2), ", ",
                   label.size(3), "])");
      input = concat(std::vector<TensorT>{input, boundary_map(inst)}, 1);
    }
    return input;
  }

  // G's input: encoded labels and, with instance features, E(real) pooled per instance (training,
  // --use_encoded_image) or a given feature map (cluster centres painted per instance).
  TensorT generator_input(const TensorT& input_label, const TensorT& feat_map) const {
    if (!opt_.use_features()) return input_label;
    GANLIB_CHECK(feat_map.defined() && feat_map.dim() == 4 && feat_map.size(1) == opt_.feat_num &&
                     feat_map.size(2) == input_label.size(2) && feat_map.size(3) == input_label.size(3),
                 "pix2pixhd: the feature map ", feat_map.defined() ? to_string(feat_map.shape()) : std::string("(none)"),
                 " must be [N, ", opt_.feat_num, ", ", input_label.size(2), ", ", input_label.size(3), "]");
    return concat(std::vector<TensorT>{input_label, feat_map}, 1);
  }

  // ---- training ------------------------------------------------------------------------------
  // One forward pass computing every loss (zoo.md §1.3).
  LossTerms<T, B> compute_losses(const TensorT& label, const TensorT& inst, const TensorT& real,
                                 const std::string& where = "") {
    GANLIB_CHECK(is_train_, "pix2pixhd: compute_losses needs a model built for training");
    GANLIB_CHECK(real.dim() == 4 && real.size(0) == label.size(0) && real.size(1) == opt_.output_nc &&
                     real.size(2) == label.size(2) && real.size(3) == label.size(3),
                 "pix2pixhd: image", where.empty() ? "" : " ('" + where + "')", " ", to_string(real.shape()),
                 " does not match the label map ", to_string(label.shape()));
    LossTerms<T, B> L;
    const TensorT input_label = encode_input(label, inst, where);
    TensorT feat;
    if (opt_.use_features()) feat = netE->forward(real, inst);
    L.fake = netG->forward(generator_input(input_label, feat));
    const bool lsgan = !opt_.no_lsgan;
    auto d_in = [&](const TensorT& img) { return concat(std::vector<TensorT>{input_label, img}, 1); };
    const auto pred_fake_pool = netD->forward_all(d_in(L.fake.detach()));
    L.D_fake = gan_loss(pred_fake_pool, false, lsgan);
    const auto pred_real = netD->forward_all(d_in(real));
    L.D_real = gan_loss(pred_real, true, lsgan);
    // D is frozen while G's adversarial branch is recorded: G's backward then skips D's weight
    // gradients, which the reference computes and throws away (D's zero_grad).
    DOutputs<T, B> pred_fake;
    {
      Freeze freeze(*netD);
      pred_fake = netD->forward_all(d_in(L.fake));
    }
    L.G_GAN = gan_loss(pred_fake, true, lsgan);
    if (!opt_.no_ganFeat_loss) L.G_GAN_Feat = feature_matching_loss(pred_fake, pred_real, opt_.n_layers_D, opt_.lambda_feat);
    if (vgg_) L.G_VGG = mul_scalar((*vgg_)(L.fake, real), T(opt_.lambda_feat));
    return L;
  }

  // One iteration: G step (G_GAN + G_GAN_Feat + G_VGG), then D step (0.5 · (D_fake + D_real)).
  // With --fp16 the forward runs under fp16 autocast and the losses are scaled (amp/): a step
  // whose gradients overflow is skipped and the scale lowered, as the reference's apex O1.
  LossTerms<T, B> train_step(const TensorT& label, const TensorT& inst, const TensorT& real,
                             const std::string& where = "") {
    LossTerms<T, B> L;
    {
      const amp::Autocast mixed(opt_.fp16 ? Precision::fp16 : Precision::fp32);
      L = compute_losses(label, inst, real, where);
    }
    TensorT loss_G = L.G_GAN;
    if (L.G_GAN_Feat.defined()) loss_G = add(loss_G, L.G_GAN_Feat);
    if (L.G_VGG.defined()) loss_G = add(loss_G, L.G_VGG);
    const TensorT loss_D = mul_scalar(add(L.D_fake, L.D_real), T(0.5));
    optG->zero_grad();
    scaler.scale(loss_G).backward();
    scaler.step(*optG);
    optD->zero_grad();
    scaler.scale(loss_D).backward();
    scaler.step(*optD);
    scaler.update();
    return L;
  }

  // While epoch <= niter_fix_global (local G only) only the outermost enhancer trains.
  bool fixed_global_for_epoch(int64_t epoch) const {
    return local_ && opt_.niter_fix_global > 0 && epoch <= opt_.niter_fix_global;
  }
  bool global_fixed() const { return fixed_global_; }

  // Builds fresh Adam optimizers (the reference's update_fixed_params also starts a new one for
  // G). fixed: G's parameters outside "model<n_local>*" are frozen (requires_grad off, so their
  // gradients are not even computed) and left out of the optimizer.
  void make_optimizers(bool fixed, double lr = -1) {
    GANLIB_CHECK(is_train_, "pix2pixhd: optimizers need a model built for training");
    const double rate = lr > 0 ? lr : opt_.lr;
    const optim::AdamOptions ao{rate, opt_.beta1, 0.999, 1e-8, 0};
    std::vector<TensorT> g_params;
    const std::string prefix = "model" + std::to_string(opt_.n_local_enhancers);
    std::vector<std::string> tuned;
    for (auto& [n, t] : netG->named_parameters()) {
      const bool train = !fixed || n.rfind(prefix, 0) == 0;
      TensorT p = t;
      p.requires_grad_(train);
      if (train) g_params.push_back(t);
      if (fixed && train) {
        const std::string top = n.substr(0, n.find('.'));
        if (tuned.empty() || tuned.back() != top) tuned.push_back(top);
      }
    }
    if (fixed && !fixed_global_) {
      *log_ << "------------- Only training the local enhancer network (for " << opt_.niter_fix_global
            << " epochs) ------------\nThe layers that are finetuned are";
      for (auto& t : tuned) *log_ << " " << t;
      *log_ << "\n";
    }
    if (netE)
      for (auto& p : netE->parameters()) g_params.push_back(p);
    optG = std::make_unique<optim::Adam<T, B>>(g_params, ao);
    optD = std::make_unique<optim::Adam<T, B>>(netD->parameters(), ao);
    fixed_global_ = fixed;
  }

  // Called after epoch `epoch` (the reference's update_fixed_params at epoch == niter_fix_global):
  // unfreezes G1 and starts a new G optimizer over all of G (+ E).
  void end_of_epoch(int64_t epoch, double next_lr) {
    if (fixed_global_ && !fixed_global_for_epoch(epoch + 1)) {
      const auto d_state = optD->state_dict();
      make_optimizers(false, next_lr);
      optD->load_state_dict(d_state);
      *log_ << "------------ Now also finetuning global generator -----------\n";
    }
  }

  // The learning rate during `epoch` (constant for niter epochs, then linear decay).
  double lr_for_epoch(int64_t epoch) const { return optim::LinearDecayLR{opt_.lr, opt_.niter, opt_.niter_decay}.lr(epoch); }
  void set_lr(double lr) {
    optG->set_lr(lr);
    optD->set_lr(lr);
  }

  // ---- inference -----------------------------------------------------------------------------
  // The generated image for one batch; feat_map: painted cluster centres or E's output (ignored
  // without instance features).
  TensorT inference(const TensorT& label, const TensorT& inst, const TensorT& feat_map = TensorT(),
                    const std::string& where = "") {
    no_grad guard;
    const TensorT input_label = encode_input(label, inst, where);
    return netG->forward(generator_input(input_label, feat_map));
  }

  // ---- files ---------------------------------------------------------------------------------
  std::string net_path(const std::string& dir, const std::string& epoch, const std::string& which) const {
    return (std::filesystem::path(dir) / (epoch + "_net_" + which + ".safetensors")).string();
  }
  void save_networks(const std::string& dir, const std::string& epoch) const {
    save_network(net_path(dir, epoch, "G"), *netG, "G", opt_);
    if (netD) save_network(net_path(dir, epoch, "D"), *netD, "D", opt_);
    if (netE) save_network(net_path(dir, epoch, "E"), *netE, "E", opt_);
  }
  // Loads G (and E; D when training) from dir/<epoch>_net_*.safetensors; partial for
  // --load_pretrain.
  void load_networks(const std::string& dir, const std::string& epoch, bool partial = false) {
    load_network(net_path(dir, epoch, "G"), *netG, "G", opt_, partial, log_);
    if (netE) load_network(net_path(dir, epoch, "E"), *netE, "E", opt_, partial, log_);
    if (netD) {
      const std::string p = net_path(dir, epoch, "D");
      if (!partial || std::filesystem::exists(p)) load_network(p, *netD, "D", opt_, partial, log_);
    }
  }

  std::shared_ptr<nn::Module<T, B>> netG;
  std::shared_ptr<GlobalGenerator<T, B>> global_;
  std::shared_ptr<LocalEnhancer<T, B>> local_;
  std::shared_ptr<MultiscaleDiscriminator<T, B>> netD;
  std::shared_ptr<Encoder<T, B>> netE;
  std::unique_ptr<optim::Adam<T, B>> optG, optD;
  amp::GradScaler<T, B> scaler;  // dynamic loss scaling with --fp16; passes through otherwise

 private:
  // requires_grad off for a module's parameters while it lives (restored after).
  struct Freeze {
    explicit Freeze(nn::Module<T, B>& m) : params(m.parameters()) {
      for (auto& p : params) was.push_back(p.requires_grad()), p.requires_grad_(false);
    }
    ~Freeze() {
      for (size_t i = 0; i < params.size(); ++i) params[i].requires_grad_(was[i]);
    }
    std::vector<TensorT> params;
    std::vector<bool> was;
  };

  void check_label_ids(const TensorT& label, const std::string& at) const {
    const std::vector<T> v = label.to_vector();
    const int64_t H = label.size(2), W = label.size(3);
    for (size_t i = 0; i < v.size(); ++i) {
      const T id = v[i];
      if (id >= T(0) && id < T(opt_.label_nc) && id == std::floor(id)) continue;
      const int64_t n = int64_t(i) / (H * W), y = int64_t(i) / W % H, x = int64_t(i) % W;
      ganlib::detail::fail("pix2pixhd: label map", at, " has id ", double(id), " at (n ", n, ", y ", y, ", x ", x,
                   "), but --label_nc is ", opt_.label_nc, " (ids must be integers 0..", opt_.label_nc - 1, ")");
    }
  }

  Options opt_;
  bool is_train_;
  Generator gen_;
  std::ostream* log_;
  std::unique_ptr<VGGLoss<T, B>> vgg_;
  bool fixed_global_ = false;
};

}  // namespace ganlib::zoo::pix2pixhd

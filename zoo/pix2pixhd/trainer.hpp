// zoo/pix2pixhd/trainer.hpp — pix2pixHD's train.py on the shared trainer services: data from
// <dataroot>/<phase>_label/_inst/_img, epochs with the reference's lr schedule and two-stage
// (niter_fix_global) switch, the progress line, loss_log.txt + a JSON-lines log, the HTML results
// page (web/index.html), network files (<epoch>_net_{G,D,E}.safetensors) and resumable
// checkpoints (train_state_<step>.safetensors: networks, both Adam states, RNG, epoch position).
// Contract: run() trains until niter + niter_decay epochs, --max_iters or --max_minutes; a run
// resumed with --continue_train continues exactly where the checkpoint left off (same batches,
// same optimizer state); a checkpoint made with other architecture options is an error naming
// the file and the option.
#pragma once
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <ganlib/data/loader.hpp>
#include <ganlib/data/pix2pixhd_dataset.hpp>
#include <ganlib/train/checkpoint.hpp>
#include <ganlib/train/grid.hpp>
#include <ganlib/train/html.hpp>
#include <ganlib/train/log.hpp>
#include <ganlib/train/progress.hpp>
#include <ganlib/train/stop_signal.hpp>

#include "model.hpp"

namespace ganlib::zoo::pix2pixhd {

// Peak resident memory of this process so far, in MiB.
inline double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

// The dataset options for a phase, as the reference's AlignedDataset + get_transform.
inline data::Pix2PixHDDataOptions dataset_options(const Options& o, const std::string& phase, bool train,
                                                  bool load_image) {
  data::Pix2PixHDDataOptions d;
  d.root = o.dataroot;
  d.phase = phase;
  d.label_nc = int(o.label_nc);
  d.use_instance = !o.no_instance;
  d.load_image = load_image;
  d.transform.mode = data::parse_resize_or_crop(o.resize_or_crop);
  d.transform.load_size = int(o.loadSize);
  d.transform.fine_size = int(o.fineSize);
  d.transform.power2_base = int(o.size_base());
  d.transform.flip = train && !o.no_flip;
  return d;
}

// Checks (and reports) the size the first sample will have: with resize_or_crop none the
// reference rounds each side to a multiple of 2^downsamplings (a warning says so); with the other
// modes a size that G cannot take is an error naming the file.
inline void check_sizes(const data::Pix2PixHDDataset<float>& ds, const Options& o, std::ostream& log) {
  const std::string first = ds.label_paths().front();
  const io::Image16 lab = io::read_label_png(first);
  const auto t = ds.options().transform;
  const auto [w, h] = data::transformed_size(t, lab.width, lab.height);
  const int64_t base = o.size_base();
  if (t.mode == data::ResizeOrCrop::none) {
    if (w != lab.width || h != lab.height)
      log << "pix2pixhd: warning: '" << first << "' is " << lab.width << " x " << lab.height
          << ", not a multiple of " << base << " (2^downsamplings); images are rounded to " << w << " x " << h
          << " as the reference does\n";
    return;
  }
  GANLIB_CHECK(w % base == 0 && h % base == 0, "pix2pixhd: '", first, "' (", lab.width, " x ", lab.height,
               ") becomes ", w, " x ", h, " with --resize_or_crop ", o.resize_or_crop, " --loadSize ", o.loadSize,
               " --fineSize ", o.fineSize, ", which is not a multiple of ", base,
               " (2^downsamplings); use --resize_or_crop none to round it, or other sizes");
}

// The first n items of a dataset (--max_dataset_size; data/ has no subset view yet).
template <class T = float>
class FirstN : public data::Dataset<T> {
 public:
  FirstN(std::shared_ptr<const data::Dataset<T>> base, int64_t n) : base_(std::move(base)), n_(std::min(n, base_->size())) {}
  int64_t size() const override { return n_; }
  data::Sample<T> get(int64_t index, data::SampleRng& rng) const override {
    this->check_index(index);
    return base_->get(index, rng);
  }
  std::string describe() const override { return base_->describe() + ", first " + std::to_string(n_); }

 private:
  std::shared_ptr<const data::Dataset<T>> base_;
  int64_t n_;
};

template <class T = float, class B = default_backend>
class Trainer {
 public:
  explicit Trainer(Options o, std::ostream& log = std::cout) : o_(std::move(o)), log_(log) {
    validate(o_);
    if (o_.debug) o_.max_dataset_size = 10, o_.niter = 1, o_.niter_decay = 0;
    dir_ = (std::filesystem::path(o_.checkpoints_dir) / o_.name).string();
    io::make_folders(dir_, "pix2pixhd: --checkpoints_dir/--name");
  }

  const std::string& dir() const { return dir_; }
  double seconds_per_iteration() const { return sec_per_iter_; }

  // Trains; returns the number of iterations run in this call.
  int64_t run() {
    manual_seed(uint64_t(o_.seed));  // framework-default inits (conv biases) draw from it
    if (o_.threads > 0) set_num_threads(int(o_.threads));
    auto ds = std::make_shared<data::Pix2PixHDDataset<float>>(dataset_options(o_, o_.phase, true, true));
    check_sizes(*ds, o_, log_);
    // Only a run that can start records its options (a failed start leaves the old opt.txt).
    io::write_file_atomic(dir_ + "/opt.txt", to_text(o_));
    std::shared_ptr<const data::Dataset<float>> dsp = ds;
    if (std::isfinite(o_.max_dataset_size) && double(ds->size()) > o_.max_dataset_size)
      dsp = std::make_shared<FirstN<float>>(dsp, int64_t(o_.max_dataset_size));
    data::Loader<float, B> loader(dsp, data::LoaderOptions{o_.batchSize, !o_.serial_batches, true, uint64_t(o_.seed), 1, 2});
    const int64_t per_epoch = loader.batches_per_epoch();
    const int64_t last_epoch = o_.niter + o_.niter_decay;

    Pix2PixHDModel<T, B> model(o_, true, log_);
    if (!o_.load_pretrain.empty() && !o_.continue_train) model.load_networks(o_.load_pretrain, o_.which_epoch, true);

    train::CheckpointManager ckpts({dir_, "train_state", 0, 2});
    int64_t epoch = 1, batch_in_epoch = 0, total = 0;
    if (o_.continue_train) {
      auto c = ckpts.load_latest();
      for (auto& s : ckpts.skipped()) log_ << "pix2pixhd: skipped checkpoint: " << s << "\n";
      GANLIB_CHECK(c.has_value(), "pix2pixhd: --continue_train, but '", dir_,
                   "' holds no train_state_*.safetensors checkpoint");
      for (auto& [k, v] : architecture(o_)) {
        GANLIB_CHECK(c->has_meta("opt." + k), "pix2pixhd: checkpoint '", c->path, "' does not record --", k);
        GANLIB_CHECK(c->meta("opt." + k) == v, "pix2pixhd: checkpoint '", c->path, "' was made with --", k, " ",
                     c->meta("opt." + k), ", but this run has --", k, " ", v);
      }
      epoch = std::stoll(c->meta("epoch"));
      batch_in_epoch = std::stoll(c->meta("batch"));
      total = c->step;
      model.make_optimizers(model.fixed_global_for_epoch(epoch));
      c->restore_state("netG.", *model.netG);
      c->restore_state("netD.", *model.netD);
      if (model.netE) c->restore_state("netE.", *model.netE);
      c->restore_state("optG.", *model.optG);
      c->restore_state("optD.", *model.optD);
      if (o_.fp16 && c->file.tensors.count("scaler.scale")) c->restore_state("scaler.", model.scaler);
      c->restore_generator("model", model.generator());
      log_ << "pix2pixhd: resuming from epoch " << epoch << ", iteration " << batch_in_epoch << " (" << c->path << ")\n";
    } else if (model.fixed_global_for_epoch(epoch) != model.global_fixed()) {
      model.make_optimizers(model.fixed_global_for_epoch(epoch));
    }

    train::LossLogTxt loss_log(dir_ + "/loss_log.txt");
    train::ScalarLog scalars(dir_ + "/loss_log.jsonl");
    if (o_.continue_train) scalars.truncate_after(total);
    std::unique_ptr<train::ResultsPage> page;
    if (!o_.no_html) {
      train::HtmlOptions ho;
      ho.title = "Experiment name = " + o_.name;
      ho.image_width = int(o_.display_winsize);
      ho.scalar_log = dir_ + "/loss_log.jsonl";
      page = std::make_unique<train::ResultsPage>(dir_ + "/web", ho);
    }
    int64_t budget = last_epoch * per_epoch;
    if (o_.max_iters > 0) budget = std::min(budget, o_.max_iters);
    train::Progress progress({budget, o_.print_freq, total});
    train::StopSignal stop;

    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed_min = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 60; };
    int64_t ran = 0;
    double iter_seconds = 0;
    bool done = false;
    auto save_state = [&](int64_t ep, int64_t next_batch) {
      const std::string p = ckpts.save(total, [&](train::CheckpointWriter& w) {
        w.add_state("netG.", *model.netG).add_state("netD.", *model.netD);
        if (model.netE) w.add_state("netE.", *model.netE);
        w.add_state("optG.", *model.optG).add_state("optD.", *model.optD);
        if (o_.fp16) w.add_state("scaler.", model.scaler);
        w.generator("model", model.generator());
        w.meta("epoch", std::to_string(ep)).meta("batch", std::to_string(next_batch));
        for (auto& [k, v] : architecture(o_)) w.meta("opt." + k, v);
      });
      model.save_networks(dir_, "latest");
      return p;
    };

    for (; epoch <= last_epoch && !done; ++epoch, batch_in_epoch = 0) {
      model.set_lr(model.lr_for_epoch(epoch));
      loader.start_epoch(epoch, batch_in_epoch);
      const auto epoch_t0 = std::chrono::steady_clock::now();
      while (auto batch = loader.next()) {
        const auto it0 = std::chrono::steady_clock::now();
        const std::string where = batch->paths.empty() ? "" : batch->paths.front();
        const TensorT inst = o_.no_instance ? TensorT() : (*batch)["inst"];
        auto L = model.train_step((*batch)["label"], inst, (*batch)["image"], where);
        ++total, ++ran, ++batch_in_epoch;
        iter_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - it0).count();
        const auto losses = L.scalars();
        progress.update(total, epoch, losses);
        if (total % o_.print_freq == 0) {
          const double per_image = iter_seconds / double(ran) / double(o_.batchSize);
          loss_log.append(epoch, batch_in_epoch * o_.batchSize, per_image, losses);
          scalars.append(total, epoch, losses);
        }
        const bool out_of_time = (o_.max_minutes > 0 && elapsed_min() >= o_.max_minutes) ||
                                 (o_.max_iters > 0 && total >= o_.max_iters) || stop.requested();
        if (page && (total % o_.display_freq == 0 || out_of_time)) add_visuals(*page, epoch, total, *batch, L);
        if (total % o_.save_latest_freq == 0 || out_of_time) {
          progress.finish();
          log_ << "saving the latest model (epoch " << epoch << ", total_steps " << total << ") to "
               << save_state(epoch, batch_in_epoch) << "\n";
        }
        if (out_of_time) {
          done = true;
          break;
        }
      }
      if (done) break;
      progress.finish();
      log_ << "End of epoch " << epoch << " / " << last_epoch << " \t Time Taken: "
           << std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_t0).count() << " sec\n";
      if (epoch % o_.save_epoch_freq == 0 || epoch == last_epoch) {
        model.save_networks(dir_, std::to_string(epoch));
        save_state(epoch + 1, 0);
      }
      model.end_of_epoch(epoch, epoch < last_epoch ? model.lr_for_epoch(epoch + 1) : o_.lr);
      if (epoch > o_.niter && epoch < last_epoch)
        log_ << "update learning rate: " << model.lr_for_epoch(epoch) << " -> " << model.lr_for_epoch(epoch + 1) << "\n";
    }
    progress.finish();
    if (!done) save_state(last_epoch + 1, 0);
    sec_per_iter_ = ran ? iter_seconds / double(ran) : 0;
    log_ << "pix2pixhd: " << ran << " iterations in this run, " << sec_per_iter_ << " s/iteration, peak memory "
         << peak_rss_mib() << " MiB; networks in " << dir_ << "\n";
    return ran;
  }

 private:
  using TensorT = Tensor<T, B>;

  void add_visuals(train::ResultsPage& page, int64_t epoch, int64_t step, const data::Batch<T, B>& b,
                   const LossTerms<T, B>& L) {
    const TensorT first_fake = L.fake.detach().narrow(0, 0, 1);
    std::vector<std::pair<std::string, io::Image>> v;
    if (o_.label_nc > 0) v.emplace_back("input_label", train::label_images(b["label"].narrow(0, 0, 1), int(o_.label_nc))[0]);
    else v.emplace_back("input_label", train::tensor_images(b["label"].narrow(0, 0, 1))[0]);
    v.emplace_back("synthesized_image", train::tensor_images(first_fake)[0]);
    v.emplace_back("real_image", train::tensor_images(b["image"].narrow(0, 0, 1))[0]);
    page.add_results(epoch, step, v);
  }

  Options o_;
  std::ostream& log_;
  std::string dir_;
  double sec_per_iter_ = 0;
};

}  // namespace ganlib::zoo::pix2pixhd

// zoo/biggan/options.hpp — BigGAN-PyTorch's options (utils.prepare_parser), same names and
// defaults, plus the few this port adds (marked "ours"), and a parser for "--key value" /
// "--flag" command lines.
// Contract: an unknown key, a missing or malformed value, or a value outside its choices is a
// ganlib::Error naming the option; options the reference has but this port does not implement
// (fp16, cross_replica, mybn, SVD parameterisation, ...) are refused by name, never ignored.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <ganlib/core/error.hpp>

namespace ganlib::zoo::biggan {

struct Options {
  // Data.
  std::string dataset = "I128_hdf5";  // ours adds FMNIST (Fashion-MNIST) and folder (class folders)
  std::string data_root = "data";
  bool augment = false;
  bool shuffle = false;
  // Model.
  std::string model = "BigGAN";
  std::string G_param = "SN", D_param = "SN";
  int64_t G_ch = 64, D_ch = 64;
  bool D_wide = true;
  bool G_shared = false;
  int64_t shared_dim = 0;  // 0: = dim_z
  int64_t dim_z = 128;
  double z_var = 1.0;
  bool hier = false;
  std::string G_nl = "relu", D_nl = "relu";
  std::string G_attn = "64", D_attn = "64";
  std::string norm_style = "bn";
  // Init.
  uint64_t seed = 0;
  std::string G_init = "ortho", D_init = "ortho";
  bool skip_init = false;
  // Optimiser.
  double G_lr = 5e-5, D_lr = 2e-4;
  double G_B1 = 0.0, D_B1 = 0.0, G_B2 = 0.999, D_B2 = 0.999;
  double adam_eps = 1e-8;
  // Batching.
  int64_t batch_size = 64, G_batch_size = 0;
  int64_t num_G_accumulations = 1, num_D_steps = 2, num_D_accumulations = 1;
  bool split_D = false;
  int64_t num_epochs = 100;
  // Bookkeeping.
  bool G_eval_mode = false;
  int64_t save_every = 2000, num_save_copies = 2, num_best_copies = 2;
  std::string which_best = "IS";
  bool no_fid = false;
  int64_t test_every = 5000, num_inception_images = 50000;
  std::string experiment_name = "";
  std::string weights_root = "weights", logs_root = "logs", samples_root = "samples";
  bool accumulate_stats = false;
  int64_t num_standing_accumulations = 16;
  // EMA.
  bool ema = false;
  double ema_decay = 0.9999;
  bool use_ema = false;
  int64_t ema_start = 0;
  // Numerics.
  double BN_eps = 1e-5, SN_eps = 1e-8;
  int64_t num_G_SVs = 1, num_D_SVs = 1, num_G_SV_itrs = 1, num_D_SV_itrs = 1;
  // Ortho reg.
  double G_ortho = 0.0, D_ortho = 0.0;
  bool toggle_grads = true;
  // Mixed precision (BigGAN-PyTorch's names; here fp16 autocast of that net's forward, fp32
  // parameters as master weights, dynamic loss scaling: amp/).
  bool G_mixed_precision = false, D_mixed_precision = false;
  // Resume.
  bool resume = false;
  std::string load_weights = "";
  // Ours.
  int resolution = 0;          // 0: from the dataset (I128 -> 128, C10/FMNIST -> 32)
  int64_t n_classes = 0;       // 0: from the dataset
  int64_t img_channels = 3;    // 1 for Fashion-MNIST
  int64_t num_iters = 0;       // > 0: stop after this many iterations (bounded runs)
  double max_minutes = 0;      // > 0: stop (with a final save and test) after this wall time
  std::string classifier = ""; // classifier weights for FID/IS/accuracy (fmnist_classifier_train)
  int threads = 0;             // 0: the pool's default
};

namespace detail {

inline bool parse_bool(const std::string& key, const std::string& v) {
  if (v == "1" || v == "true" || v == "on" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "off" || v == "no") return false;
  ganlib::detail::fail("biggan options: --", key, " expects a boolean (true/false/1/0), got '", v, "'");
}
template <class N>
N parse_number(const std::string& key, const std::string& v) {
  std::istringstream ss(v);
  N out{};
  ss >> out;
  GANLIB_CHECK(!v.empty() && ss && ss.peek() == std::char_traits<char>::eof(), "biggan options: --", key,
               " expects a number, got '", v, "'");
  return out;
}

struct Field {
  bool is_flag = false;                                  // store_true style
  std::function<void(const std::string&)> set;
  std::function<std::string()> get;
};

inline std::map<std::string, Field> fields(Options& o) {
  std::map<std::string, Field> f;
  auto str = [&](const char* k, std::string& x) {
    f[k] = {false, [&x](const std::string& v) { x = v; }, [&x] { return x; }};
  };
  auto flag = [&](const char* k, bool& x) {
    f[k] = {true, [&x, k](const std::string& v) { x = parse_bool(k, v); }, [&x] { return std::string(x ? "true" : "false"); }};
  };
  auto i64 = [&](const char* k, int64_t& x) {
    f[k] = {false, [&x, k](const std::string& v) { x = parse_number<int64_t>(k, v); }, [&x] { return std::to_string(x); }};
  };
  auto dbl = [&](const char* k, double& x) {
    f[k] = {false, [&x, k](const std::string& v) { x = parse_number<double>(k, v); },
            [&x] { std::ostringstream s; s << x; return s.str(); }};
  };
  str("dataset", o.dataset); str("data_root", o.data_root); flag("augment", o.augment); flag("shuffle", o.shuffle);
  str("model", o.model); str("G_param", o.G_param); str("D_param", o.D_param);
  i64("G_ch", o.G_ch); i64("D_ch", o.D_ch); flag("D_wide", o.D_wide); flag("G_shared", o.G_shared);
  i64("shared_dim", o.shared_dim); i64("dim_z", o.dim_z); dbl("z_var", o.z_var); flag("hier", o.hier);
  str("G_nl", o.G_nl); str("D_nl", o.D_nl); str("G_attn", o.G_attn); str("D_attn", o.D_attn);
  str("norm_style", o.norm_style);
  f["seed"] = {false, [&o](const std::string& v) { o.seed = parse_number<uint64_t>("seed", v); },
               [&o] { return std::to_string(o.seed); }};
  str("G_init", o.G_init); str("D_init", o.D_init); flag("skip_init", o.skip_init);
  dbl("G_lr", o.G_lr); dbl("D_lr", o.D_lr); dbl("G_B1", o.G_B1); dbl("D_B1", o.D_B1);
  dbl("G_B2", o.G_B2); dbl("D_B2", o.D_B2); dbl("adam_eps", o.adam_eps);
  i64("batch_size", o.batch_size); i64("G_batch_size", o.G_batch_size);
  i64("num_G_accumulations", o.num_G_accumulations); i64("num_D_steps", o.num_D_steps);
  i64("num_D_accumulations", o.num_D_accumulations); flag("split_D", o.split_D); i64("num_epochs", o.num_epochs);
  flag("G_eval_mode", o.G_eval_mode); i64("save_every", o.save_every); i64("num_save_copies", o.num_save_copies);
  i64("num_best_copies", o.num_best_copies); str("which_best", o.which_best); flag("no_fid", o.no_fid);
  i64("test_every", o.test_every); i64("num_inception_images", o.num_inception_images);
  str("experiment_name", o.experiment_name); str("weights_root", o.weights_root);
  str("logs_root", o.logs_root); str("samples_root", o.samples_root);
  flag("accumulate_stats", o.accumulate_stats); i64("num_standing_accumulations", o.num_standing_accumulations);
  flag("ema", o.ema); dbl("ema_decay", o.ema_decay); flag("use_ema", o.use_ema); i64("ema_start", o.ema_start);
  dbl("BN_eps", o.BN_eps); dbl("SN_eps", o.SN_eps); i64("num_G_SVs", o.num_G_SVs); i64("num_D_SVs", o.num_D_SVs);
  i64("num_G_SV_itrs", o.num_G_SV_itrs); i64("num_D_SV_itrs", o.num_D_SV_itrs);
  dbl("G_ortho", o.G_ortho); dbl("D_ortho", o.D_ortho); flag("toggle_grads", o.toggle_grads);
  flag("G_mixed_precision", o.G_mixed_precision); flag("D_mixed_precision", o.D_mixed_precision);
  flag("resume", o.resume); str("load_weights", o.load_weights);
  f["resolution"] = {false, [&o](const std::string& v) { o.resolution = parse_number<int>("resolution", v); },
                     [&o] { return std::to_string(o.resolution); }};
  i64("n_classes", o.n_classes); i64("img_channels", o.img_channels); i64("num_iters", o.num_iters);
  dbl("max_minutes", o.max_minutes); str("classifier", o.classifier);
  f["threads"] = {false, [&o](const std::string& v) { o.threads = parse_number<int>("threads", v); },
                  [&o] { return std::to_string(o.threads); }};
  // The reference's negative flags.
  f["D_thin"] = {true, [&o](const std::string& v) { o.D_wide = !parse_bool("D_thin", v); },
                 [&o] { return std::string(o.D_wide ? "false" : "true"); }};
  return f;
}

// Reference options this port refuses rather than silently ignores.
inline const std::vector<std::string>& unsupported() {
  static const std::vector<std::string> u{"G_fp16", "D_fp16", "cross_replica", "mybn", "parallel", "hashname", "config_from_name",
                                          "load_in_mem", "use_multiepoch_sampler", "log_G_spectra",
                                          "log_D_spectra", "G_depth", "D_depth"};
  return u;
}
}  // namespace detail

// Applies "--key value", "--key=value" and "--flag" arguments on top of `o`.
inline void parse_args(Options& o, const std::vector<std::string>& args) {
  auto f = detail::fields(o);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    GANLIB_CHECK(a.rfind("--", 0) == 0 && a.size() > 2, "biggan options: expected --option, got '", a, "'");
    a = a.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    for (auto& u : detail::unsupported())
      GANLIB_CHECK(a != u, "biggan options: --", a, " (a BigGAN-PyTorch option) is not supported by this port");
    auto it = f.find(a);
    if (it == f.end()) {
      std::string near;
      for (auto& [k, fld] : f)
        if (k.find(a) != std::string::npos || a.find(k) != std::string::npos) near += (near.empty() ? "" : ", ") + k;
      ganlib::detail::fail("biggan options: unknown option --", a,
                           near.empty() ? std::string() : " (did you mean: " + near + "?)");
    }
    if (!has_value) {
      if (it->second.is_flag && (i + 1 == args.size() || args[i + 1].rfind("--", 0) == 0)) {
        value = "true";
      } else {
        GANLIB_CHECK(i + 1 < args.size(), "biggan options: --", a, " needs a value");
        value = args[++i];
      }
    }
    it->second.set(value);
  }
}

// Every option as key -> value text (stored in checkpoints and logs).
inline std::map<std::string, std::string> to_map(const Options& o) {
  Options copy = o;
  std::map<std::string, std::string> out;
  for (auto& [k, fld] : detail::fields(copy))
    if (k != "D_thin") out[k] = fld.get();
  return out;
}
inline Options from_map(const std::map<std::string, std::string>& m) {
  Options o;
  auto f = detail::fields(o);
  for (auto& [k, v] : m) {
    auto it = f.find(k);
    GANLIB_CHECK(it != f.end(), "biggan options: unknown stored option '", k, "'");
    it->second.set(v);
  }
  return o;
}

// Checks values against their choices and fills the derived ones (resolution, n_classes).
inline void finalize(Options& o) {
  auto one_of = [](const std::string& key, const std::string& v, std::initializer_list<const char*> c) {
    std::string list;
    for (auto* s : c) {
      if (v == s) return;
      list += std::string(list.empty() ? "" : ", ") + s;
    }
    ganlib::detail::fail("biggan options: --", key, " '", v, "' is not one of: ", list);
  };
  one_of("model", o.model, {"BigGAN"});
  one_of("G_param", o.G_param, {"SN", "none"});
  one_of("D_param", o.D_param, {"SN", "none"});
  one_of("G_nl", o.G_nl, {"relu", "inplace_relu", "ir"});
  one_of("D_nl", o.D_nl, {"relu", "inplace_relu", "ir"});
  one_of("norm_style", o.norm_style, {"bn"});
  one_of("G_init", o.G_init, {"ortho", "N02", "glorot", "xavier"});
  one_of("D_init", o.D_init, {"ortho", "N02", "glorot", "xavier"});
  one_of("which_best", o.which_best, {"IS", "FID"});
  GANLIB_CHECK(o.num_G_SVs == 1 && o.num_D_SVs == 1, "biggan options: only num_G_SVs = num_D_SVs = 1 is "
               "supported (got ", o.num_G_SVs, ", ", o.num_D_SVs, ")");
  GANLIB_CHECK(o.batch_size > 0 && o.G_batch_size >= 0 && o.num_D_steps >= 1 && o.num_D_accumulations >= 1 &&
               o.num_G_accumulations >= 1, "biggan options: batch sizes, num_D_steps and accumulations must be positive");
  GANLIB_CHECK(o.dim_z > 0, "biggan options: dim_z must be positive, got ", o.dim_z);
  GANLIB_CHECK(o.ema_decay >= 0 && o.ema_decay <= 1, "biggan options: ema_decay must be in [0, 1], got ", o.ema_decay);
  GANLIB_CHECK(o.img_channels >= 1 && o.img_channels <= 4, "biggan options: img_channels must be 1..4, got ", o.img_channels);
  const std::string& d = o.dataset;
  int res = 0;
  int64_t classes = 0;
  if (d.rfind("I128", 0) == 0) { res = 128; classes = 1000; }
  else if (d.rfind("I256", 0) == 0) { res = 256; classes = 1000; }
  else if (d.rfind("I64", 0) == 0) { res = 64; classes = 1000; }
  else if (d.rfind("I32", 0) == 0) { res = 32; classes = 1000; }
  else if (d == "C10") { res = 32; classes = 10; }
  else if (d == "C100") { res = 32; classes = 100; }
  else if (d == "FMNIST") { res = 32; classes = 10; }
  else GANLIB_CHECK(d == "folder", "biggan options: unknown --dataset '", d,
                    "' (I32/I64/I128/I256[_hdf5], C10, C100, FMNIST, folder)");
  if (o.resolution == 0) o.resolution = res;
  if (o.n_classes == 0) o.n_classes = classes;
  GANLIB_CHECK(o.resolution > 0, "biggan options: --dataset folder needs --resolution");
  if (o.G_batch_size == 0) o.G_batch_size = o.batch_size;
  if (o.shared_dim == 0) o.shared_dim = o.dim_z;
}

}  // namespace ganlib::zoo::biggan

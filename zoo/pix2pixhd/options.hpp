// zoo/pix2pixhd/options.hpp — pix2pixHD's options (base/train/test options of the reference),
// same names and defaults, plus a few this port adds (marked "ours"), and a "--name value" parser.
// Contract: parse() accepts "--name value" (booleans also as a bare "--name", or with true/false/
// 1/0); an unknown name, a missing or malformed value, or a value outside its choices is a
// ganlib::Error naming the option. to_text() writes every option as the reference's opt.txt.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <ganlib/core/error.hpp>

namespace ganlib::zoo::pix2pixhd {

struct Options {
  // ---- base_options.py ----------------------------------------------------------------------
  std::string name = "label2city";
  std::string gpu_ids = "-1";              // reference '0'; recorded only: the backend is chosen at build time
  std::string checkpoints_dir = "./checkpoints";
  std::string model = "pix2pixHD";
  std::string norm = "instance";           // instance | batch
  bool use_dropout = false;                // accepted and unused, as in the reference
  int64_t data_type = 32;                  // only 32 is supported here
  bool verbose = false;
  bool fp16 = false;                       // fp16 autocast + dynamic loss scaling (amp/)
  int64_t local_rank = 0;
  int64_t batchSize = 1;
  int64_t loadSize = 1024;
  int64_t fineSize = 512;
  int64_t label_nc = 35;
  int64_t input_nc = 3;
  int64_t output_nc = 3;
  std::string dataroot = "./datasets/cityscapes/";
  std::string resize_or_crop = "scale_width";
  bool serial_batches = false;
  bool no_flip = false;
  int64_t nThreads = 2;
  double max_dataset_size = std::numeric_limits<double>::infinity();
  int64_t display_winsize = 512;
  bool tf_log = false;                     // refused: no TensorBoard here
  std::string netG = "global";             // global | local
  int64_t ngf = 64;
  int64_t n_downsample_global = 4;
  int64_t n_blocks_global = 9;
  int64_t n_blocks_local = 3;
  int64_t n_local_enhancers = 1;
  int64_t niter_fix_global = 0;
  bool no_instance = false;
  bool instance_feat = false;
  bool label_feat = false;
  int64_t feat_num = 3;
  bool load_features = false;
  int64_t n_downsample_E = 4;
  int64_t nef = 16;
  int64_t n_clusters = 10;
  // ---- train_options.py ---------------------------------------------------------------------
  int64_t display_freq = 100;
  int64_t print_freq = 100;
  int64_t save_latest_freq = 1000;
  int64_t save_epoch_freq = 10;
  bool no_html = false;
  bool debug = false;
  bool continue_train = false;
  std::string load_pretrain = "";
  std::string which_epoch = "latest";
  std::string phase = "train";             // test programs default to "test"
  int64_t niter = 100;
  int64_t niter_decay = 100;
  double beta1 = 0.5;
  double lr = 0.0002;
  int64_t num_D = 2;
  int64_t n_layers_D = 3;
  int64_t ndf = 64;
  double lambda_feat = 10.0;
  bool no_ganFeat_loss = false;
  bool no_vgg_loss = false;
  bool no_lsgan = false;
  int64_t pool_size = 0;
  // ---- test_options.py ----------------------------------------------------------------------
  double ntest = std::numeric_limits<double>::infinity();
  std::string results_dir = "./results/";
  double aspect_ratio = 1.0;
  int64_t how_many = 50;
  std::string cluster_path = "features_clustered_010.safetensors";  // reference: .npy
  bool use_encoded_image = false;
  std::string export_onnx = "";            // refused
  std::string engine = "";                 // refused
  bool onnx = false;                       // refused
  // ---- ours ---------------------------------------------------------------------------------
  std::string vgg_weights = "";  // torchvision-named VGG19 safetensors; empty: VGG loss off
  int64_t seed = 0;              // initialisation, data order and style sampling
  int64_t max_iters = 0;         // > 0: stop after this many iterations in total
  double max_minutes = 0;        // > 0: stop (after a checkpoint) once this much time has passed
  int64_t style = -1;            // test: cluster index per instance (mod its class' k); -1: random
  int64_t num_styles = 1;        // test: outputs per input, style seeds seed..seed+num_styles-1
  int64_t threads = 0;           // CPU threads (0: the pool's default)

  bool use_features() const { return instance_feat || label_feat; }
  // Channels G sees: one-hot labels (or input_nc), the edge map, encoded features.
  int64_t g_input_nc() const {
    return (label_nc != 0 ? label_nc : input_nc) + (no_instance ? 0 : 1) + (use_features() ? feat_num : 0);
  }
  // Channels D sees: labels (+ edge) and the image.
  int64_t d_input_nc() const { return (label_nc != 0 ? label_nc : input_nc) + (no_instance ? 0 : 1) + output_nc; }
  // Input sides must be multiples of this (the reference's __make_power_2 base).
  int64_t size_base() const {
    return int64_t(1) << (n_downsample_global + (netG == "local" ? n_local_enhancers : 0));
  }
};

namespace detail {

using Field = std::variant<std::string*, int64_t*, double*, bool*>;

// Every option by name, in the reference's order (ours last).
inline std::vector<std::pair<std::string, Field>> fields(Options& o) {
  return {
      {"name", &o.name}, {"gpu_ids", &o.gpu_ids}, {"checkpoints_dir", &o.checkpoints_dir},
      {"model", &o.model}, {"norm", &o.norm}, {"use_dropout", &o.use_dropout},
      {"data_type", &o.data_type}, {"verbose", &o.verbose}, {"fp16", &o.fp16},
      {"local_rank", &o.local_rank}, {"batchSize", &o.batchSize}, {"loadSize", &o.loadSize},
      {"fineSize", &o.fineSize}, {"label_nc", &o.label_nc}, {"input_nc", &o.input_nc},
      {"output_nc", &o.output_nc}, {"dataroot", &o.dataroot}, {"resize_or_crop", &o.resize_or_crop},
      {"serial_batches", &o.serial_batches}, {"no_flip", &o.no_flip}, {"nThreads", &o.nThreads},
      {"max_dataset_size", &o.max_dataset_size}, {"display_winsize", &o.display_winsize},
      {"tf_log", &o.tf_log}, {"netG", &o.netG}, {"ngf", &o.ngf},
      {"n_downsample_global", &o.n_downsample_global}, {"n_blocks_global", &o.n_blocks_global},
      {"n_blocks_local", &o.n_blocks_local}, {"n_local_enhancers", &o.n_local_enhancers},
      {"niter_fix_global", &o.niter_fix_global}, {"no_instance", &o.no_instance},
      {"instance_feat", &o.instance_feat}, {"label_feat", &o.label_feat}, {"feat_num", &o.feat_num},
      {"load_features", &o.load_features}, {"n_downsample_E", &o.n_downsample_E}, {"nef", &o.nef},
      {"n_clusters", &o.n_clusters},
      {"display_freq", &o.display_freq}, {"print_freq", &o.print_freq},
      {"save_latest_freq", &o.save_latest_freq}, {"save_epoch_freq", &o.save_epoch_freq},
      {"no_html", &o.no_html}, {"debug", &o.debug}, {"continue_train", &o.continue_train},
      {"load_pretrain", &o.load_pretrain}, {"which_epoch", &o.which_epoch}, {"phase", &o.phase},
      {"niter", &o.niter}, {"niter_decay", &o.niter_decay}, {"beta1", &o.beta1}, {"lr", &o.lr},
      {"num_D", &o.num_D}, {"n_layers_D", &o.n_layers_D}, {"ndf", &o.ndf},
      {"lambda_feat", &o.lambda_feat}, {"no_ganFeat_loss", &o.no_ganFeat_loss},
      {"no_vgg_loss", &o.no_vgg_loss}, {"no_lsgan", &o.no_lsgan}, {"pool_size", &o.pool_size},
      {"ntest", &o.ntest}, {"results_dir", &o.results_dir}, {"aspect_ratio", &o.aspect_ratio},
      {"how_many", &o.how_many}, {"cluster_path", &o.cluster_path},
      {"use_encoded_image", &o.use_encoded_image}, {"export_onnx", &o.export_onnx},
      {"engine", &o.engine}, {"onnx", &o.onnx},
      {"vgg_weights", &o.vgg_weights}, {"seed", &o.seed}, {"max_iters", &o.max_iters},
      {"max_minutes", &o.max_minutes}, {"style", &o.style}, {"num_styles", &o.num_styles},
      {"threads", &o.threads},
  };
}

inline bool parse_bool(const std::string& v, bool& out) {
  if (v == "true" || v == "1" || v == "True") return out = true, true;
  if (v == "false" || v == "0" || v == "False") return out = false, true;
  return false;
}

inline std::string format_double(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s = std::to_string(v);
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

}  // namespace detail

// Checks values against their choices and the combinations this port supports.
inline void validate(const Options& o) {
  auto positive = [](int64_t v, const char* n) {
    GANLIB_CHECK(v > 0, "pix2pixhd options: --", n, " must be positive, got ", v);
  };
  GANLIB_CHECK(o.norm == "instance" || o.norm == "batch", "pix2pixhd options: --norm must be instance or batch, got '",
               o.norm, "'");
  GANLIB_CHECK(o.netG == "global" || o.netG == "local", "pix2pixhd options: --netG must be global or local, got '",
               o.netG, "'");
  GANLIB_CHECK(o.model == "pix2pixHD", "pix2pixhd options: --model '", o.model,
               "' is not supported (only pix2pixHD; the reference's UI model is not ported)");
  GANLIB_CHECK(o.data_type == 32, "pix2pixhd options: --data_type ", o.data_type,
               " is not supported on the CPU backend (only 32)");
  GANLIB_CHECK(!o.tf_log, "pix2pixhd options: --tf_log is not supported (the JSON-lines log replaces TensorBoard)");
  GANLIB_CHECK(o.export_onnx.empty() && o.engine.empty() && !o.onnx,
               "pix2pixhd options: --export_onnx / --engine / --onnx are not supported (no ONNX or TensorRT path)");
  GANLIB_CHECK(o.pool_size == 0, "pix2pixhd options: --pool_size ", o.pool_size,
               " is not supported (the image pool is off by default in the reference; only 0 here)");
  GANLIB_CHECK(o.label_nc >= 0, "pix2pixhd options: --label_nc must be >= 0, got ", o.label_nc);
  GANLIB_CHECK(!o.label_feat, "pix2pixhd options: --label_feat is not supported (use --instance_feat)");
  GANLIB_CHECK(!o.load_features, "pix2pixhd options: --load_features is not supported (the encoder E runs "
               "on the fly; precomputed <phase>_feat maps are not read)");
  positive(o.batchSize, "batchSize");
  positive(o.ngf, "ngf");
  positive(o.ndf, "ndf");
  positive(o.nef, "nef");
  positive(o.num_D, "num_D");
  positive(o.n_layers_D, "n_layers_D");
  positive(o.feat_num, "feat_num");
  positive(o.n_clusters, "n_clusters");
  positive(o.input_nc, "input_nc");
  positive(o.output_nc, "output_nc");
  positive(o.niter_decay, "niter_decay");
  positive(o.num_styles, "num_styles");
  GANLIB_CHECK(o.n_downsample_global >= 0 && o.n_downsample_global <= 8, "pix2pixhd options: --n_downsample_global ",
               o.n_downsample_global, " must be in 0..8");
  GANLIB_CHECK(o.n_downsample_E >= 0 && o.n_downsample_E <= 8, "pix2pixhd options: --n_downsample_E ",
               o.n_downsample_E, " must be in 0..8");
  GANLIB_CHECK(o.n_blocks_global >= 0 && o.n_blocks_local >= 0, "pix2pixhd options: --n_blocks_global ",
               o.n_blocks_global, " and --n_blocks_local ", o.n_blocks_local, " must be >= 0");
  GANLIB_CHECK(o.netG != "local" || (o.n_local_enhancers >= 1 && o.n_local_enhancers <= 4),
               "pix2pixhd options: --n_local_enhancers ", o.n_local_enhancers, " must be in 1..4");
  GANLIB_CHECK(o.niter >= 0 && o.niter_fix_global >= 0, "pix2pixhd options: --niter ", o.niter,
               " and --niter_fix_global ", o.niter_fix_global, " must be >= 0");
  GANLIB_CHECK(o.lr > 0 && o.beta1 >= 0 && o.beta1 < 1, "pix2pixhd options: --lr ", o.lr, " must be > 0 and --beta1 ",
               o.beta1, " in [0, 1)");
}

// Parses "--name value" pairs (argv[first..]) into `o`; `extra` are names the program reads
// itself (returned by name with their values, "true" for a bare flag).
inline std::map<std::string, std::string> parse(Options& o, const std::vector<std::string>& args,
                                                const std::vector<std::string>& extra = {}) {
  auto table = detail::fields(o);
  std::map<std::string, std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    GANLIB_CHECK(a.size() > 2 && a.rfind("--", 0) == 0, "pix2pixhd options: expected --name, got '", a, "'");
    std::string key = a.substr(2), value;
    bool has_value = false;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1), key = key.substr(0, eq), has_value = true;
    }
    auto next_is_value = [&] { return i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0; };
    if (std::find(extra.begin(), extra.end(), key) != extra.end()) {
      if (!has_value && next_is_value()) value = args[++i], has_value = true;
      rest[key] = has_value ? value : "true";
      continue;
    }
    auto it = std::find_if(table.begin(), table.end(), [&](auto& f) { return f.first == key; });
    if (it == table.end()) ganlib::detail::fail("pix2pixhd options: unknown option --", key);
    if (auto* b = std::get_if<bool*>(&it->second)) {
      if (!has_value && next_is_value()) {
        bool v;
        if (detail::parse_bool(args[i + 1], v)) ++i, **b = v;
        else **b = true;
      } else if (has_value) {
        GANLIB_CHECK(detail::parse_bool(value, **b), "pix2pixhd options: --", key, " takes true/false, got '", value, "'");
      } else {
        **b = true;
      }
      continue;
    }
    if (!has_value) {
      GANLIB_CHECK(i + 1 < args.size(), "pix2pixhd options: --", key, " needs a value");
      value = args[++i];
    }
    std::visit([&](auto* p) {
      using P = std::remove_pointer_t<decltype(p)>;
      if constexpr (std::is_same_v<P, std::string>) {
        *p = value;
      } else if constexpr (std::is_same_v<P, int64_t>) {
        size_t used = 0;
        int64_t v = 0;
        try { v = std::stoll(value, &used); } catch (...) { used = 0; }
        GANLIB_CHECK(used == value.size() && !value.empty(), "pix2pixhd options: --", key,
                     " takes an integer, got '", value, "'");
        *p = v;
      } else if constexpr (std::is_same_v<P, double>) {
        size_t used = 0;
        double v = 0;
        try { v = std::stod(value, &used); } catch (...) { used = 0; }
        GANLIB_CHECK(used == value.size() && !value.empty(), "pix2pixhd options: --", key,
                     " takes a number, got '", value, "'");
        *p = v;
      }
    }, it->second);
  }
  validate(o);
  return rest;
}

inline std::map<std::string, std::string> parse(Options& o, int argc, char** argv,
                                                const std::vector<std::string>& extra = {}) {
  return parse(o, std::vector<std::string>(argv + 1, argv + argc), extra);
}

// Each option's value as text, by name.
inline std::vector<std::pair<std::string, std::string>> values(const Options& o_in) {
  Options o = o_in;
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [k, f] : detail::fields(o))
    out.emplace_back(k, std::visit([](auto* p) -> std::string {
      using P = std::remove_pointer_t<decltype(p)>;
      if constexpr (std::is_same_v<P, std::string>) return *p;
      else if constexpr (std::is_same_v<P, bool>) return *p ? "True" : "False";
      else if constexpr (std::is_same_v<P, int64_t>) return std::to_string(*p);
      else return detail::format_double(*p);
    }, f));
  return out;
}

// The reference's opt.txt: "------------ Options -------------", "name: value" lines, "--- End ---".
inline std::string to_text(const Options& o) {
  std::string s = "------------ Options -------------\n";
  for (auto& [k, v] : values(o)) s += k + ": " + v + "\n";
  return s + "-------------- End ----------------\n";
}

// The options that fix the shapes of G, D and E's parameters: a checkpoint records them, and
// loading one made with other values is an error naming the first difference.
inline std::vector<std::string> architecture_keys() {
  return {"netG", "norm", "label_nc", "input_nc", "output_nc", "ngf", "n_downsample_global",
          "n_blocks_global", "n_blocks_local", "n_local_enhancers", "no_instance", "instance_feat",
          "feat_num", "n_downsample_E", "nef", "num_D", "n_layers_D", "ndf", "no_ganFeat_loss"};
}
inline std::map<std::string, std::string> architecture(const Options& o) {
  std::map<std::string, std::string> m;
  const auto all = values(o);
  for (auto& k : architecture_keys())
    for (auto& [n, v] : all)
      if (n == k) m[k] = v;
  return m;
}

}  // namespace ganlib::zoo::pix2pixhd

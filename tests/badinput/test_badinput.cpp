// tests/badinput/test_badinput.cpp — the library rows of the bad-input table
// (tests/badinput/README.md): each bad file, folder or value gives a ganlib::Error whose message
// names the file, key or value, and no earlier result is lost or overwritten. The program rows
// are in programs.sh. Row numbers match the README's table.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "ganlib/data/pix2pixhd_dataset.hpp"
#include "ganlib/io/flo.hpp"
#include "ganlib/io/idx.hpp"
#include "ganlib/io/image.hpp"
#include "ganlib/io/safetensors.hpp"
#include "ganlib/nn/linear.hpp"
#include "ganlib/ops.hpp"
#include "ganlib/train/checkpoint.hpp"
#include "ganlib/train/nan_guard.hpp"
#include "zoo/biggan/options.hpp"
#include "zoo/flownet2/options.hpp"
#include "zoo/pix2pixhd/options.hpp"

using namespace ganlib;
namespace fs = std::filesystem;
using doctest::Contains;

namespace {
struct Tmp {
  fs::path p;
  Tmp() {
    p = fs::temp_directory_path() / ("ganlib_badinput_" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~Tmp() {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
  std::string operator/(const std::string& n) const { return (p / n).string(); }
};
doctest::Contains has(const std::string& s) { return doctest::Contains(s.c_str()); }
void put(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}
void put(const std::string& path, const std::string& s) { put(path, std::vector<uint8_t>(s.begin(), s.end())); }
io::Image pattern(int w, int h, int c) {
  io::Image img{w, h, c, std::vector<uint8_t>(size_t(w) * h * c)};
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = uint8_t(i * 37);
  return img;
}
std::vector<uint8_t> be32(std::vector<uint8_t> b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
  return b;
}
std::vector<uint8_t> idx_file(uint32_t magic, std::vector<uint32_t> dims, size_t n, uint8_t value = 1) {
  std::vector<uint8_t> b = be32({}, magic);
  for (auto d : dims) b = be32(b, d);
  b.insert(b.end(), n, value);
  return b;
}
void put_gz(const std::string& path, const std::vector<uint8_t>& raw) {
  gzFile g = gzopen(path.c_str(), "wb");
  gzwrite(g, raw.data(), unsigned(raw.size()));
  gzclose(g);
}
std::vector<uint8_t> safetensors_with_header(const std::string& json, size_t data_bytes, uint64_t declared = 0) {
  std::vector<uint8_t> b(8);
  const uint64_t len = declared ? declared : json.size();
  for (int i = 0; i < 8; ++i) b[size_t(i)] = uint8_t(len >> (8 * i));
  b.insert(b.end(), json.begin(), json.end());
  b.insert(b.end(), data_bytes, 0);
  return b;
}
}  // namespace

// ---- images ---------------------------------------------------------------------------------
TEST_CASE("badinput 1-9: images") {
  Tmp t;
  const auto png = io::encode_png(pattern(16, 16, 3));
  put(t / "cut.png", std::vector<uint8_t>(png.begin(), png.begin() + long(png.size() / 2)));
  CHECK_THROWS_WITH_AS(io::read_image(t / "cut.png"), Contains("cut.png' is a truncated PNG"), Error);  // 1
  auto flipped = png;
  flipped[flipped.size() / 2] ^= 0x10;
  put(t / "flip.png", flipped);
  CHECK_THROWS_WITH_AS(io::read_image(t / "flip.png"), Contains("flip.png' is a corrupt PNG (chunk CRC mismatch)"), Error);  // 2
  // 3: a JPEG whose SOF declares 60000 x 60000 (a 1 kB file that would need 10 GiB)
  auto jpg = io::encode_jpeg(pattern(8, 8, 3));
  for (size_t i = 2; i + 9 < jpg.size(); ++i)
    if (jpg[i] == 0xff && jpg[i + 1] == 0xc0) {
      jpg[i + 5] = 0xea, jpg[i + 6] = 0x60, jpg[i + 7] = 0xea, jpg[i + 8] = 0x60;
      break;
    }
  put(t / "huge.jpg", jpg);
  CHECK_THROWS_WITH_AS(io::read_image(t / "huge.jpg"),
                       Contains("huge.jpg' declares 60000 x 60000 pixels; the limit is 268435456 pixels (refused before decoding)"), Error);
  // 4: a PNG whose IHDR declares 100000 x 100000 (CRC fixed up, so only the size is wrong)
  {
    auto p = png;
    for (int k = 0; k < 8; ++k) p[16 + size_t(k)] = (k % 4 == 1) ? 0x01 : (k % 4 == 2) ? 0x86 : (k % 4 == 3) ? 0xa0 : 0;
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), p.data() + 12, 17);
    for (int k = 0; k < 4; ++k) p[29 + size_t(k)] = uint8_t(crc >> (24 - 8 * k));
    put(t / "huge.png", p);
    CHECK_THROWS_WITH_AS(io::read_image(t / "huge.png"), Contains("huge.png' declares 100000 x 100000 pixels"), Error);
  }
  // 5: a JPEG cut inside its entropy-coded data
  const auto jpg_ok = io::encode_jpeg(pattern(32, 32, 3));
  put(t / "cut.jpg", std::vector<uint8_t>(jpg_ok.begin(), jpg_ok.end() - 40));
  CHECK_THROWS_WITH_AS(io::read_image(t / "cut.jpg"), Contains("cut.jpg' is a truncated JPEG"), Error);
  put(t / "empty.png", std::string());
  CHECK_THROWS_WITH_AS(io::read_image(t / "empty.png"), Contains("empty.png' is empty (0 bytes)"), Error);  // 6
  CHECK_THROWS_WITH_AS(io::read_image(t / "missing.png"), Contains("missing.png': No such file or directory"), Error);  // 7
  fs::create_directories(t / "adir.png");
  CHECK_THROWS_WITH_AS(io::read_image(t / "adir.png"), Contains("adir.png': it is a folder"), Error);  // 8
  put(t / "notes.png", std::string("these are not pixels\n"));
  CHECK_THROWS_WITH_AS(io::read_image(t / "notes.png"), Contains("notes.png' is not a readable PNG, JPEG, BMP or PNM image"), Error);  // 9
  // 41: a binary PPM cut short (stb alone pads it with zeros and reports success)
  put(t / "cut.ppm", std::string("P6\n# c\n8 8\n255\n") + std::string(100, '\x7f'));
  CHECK_THROWS_WITH_AS(io::read_image(t / "cut.ppm"), Contains("cut.ppm' is a truncated PNM (pixel data cut short)"), Error);
  put(t / "ok.ppm", std::string("P6\n# c\n8 8\n255\n") + std::string(192, '\x7f'));
  CHECK(io::read_image(t / "ok.ppm").width == 8);
  // 42: a 16-bit PGM (Debian's stb overflows its buffer on these)
  put(t / "deep.pgm", std::string("P5\n2 2\n65535\n") + std::string(8, '\x01'));
  CHECK_THROWS_WITH_AS(io::read_image(t / "deep.pgm"), Contains("deep.pgm' is a 16-bit PNM (maxval above 255), which is not supported"), Error);
}

// ---- label maps -----------------------------------------------------------------------------
TEST_CASE("badinput 10-11: label maps") {
  Tmp t;
  io::write_png(t / "rgb_label.png", pattern(4, 4, 3));
  CHECK_THROWS_WITH_AS(io::read_label_png(t / "rgb_label.png"),
                       Contains("rgb_label.png' has 3 channels; a label map must be a single-channel"), Error);  // 10
  // 11: ids beyond label_nc (40 with 35 classes) reach one_hot, which names the id and the limit
  io::write_png(t / "ids.png", io::Image16{2, 2, 1, {1, 2, 40, 3}});
  const auto m = io::read_label_png(t / "ids.png");
  const auto ids = from_vector<float, cpu>(std::vector<float>(m.data.begin(), m.data.end()), {1, 1, 2, 2});
  CHECK_THROWS_WITH_AS(one_hot(ids, 35), Contains("one_hot: id 40 at index 2 is out of range: num_classes is 35 (valid ids 0..34)"), Error);
  // ... and the pix2pixHD dataset names the file and the pixel before any tensor is built
  fs::create_directories(t / "ds/train_label");
  fs::create_directories(t / "ds/train_img");
  fs::copy_file(t / "ids.png", t / "ds/train_label/a.png");
  io::write_png(t / "ds/train_img/a.png", pattern(2, 2, 3));
  data::Pix2PixHDDataOptions o;
  o.root = t / "ds";
  o.use_instance = false;
  data::Pix2PixHDDataset<float> ds(o);
  data::SampleRng rng(1);
  CHECK_THROWS_WITH_AS(ds.get(0, rng), has("label map '" + (t / "ds/train_label/a.png") +
                                           "' has id 40 at (x 0, y 1) but --label_nc is 35 (ids must be 0..34)"), Error);
}

// ---- safetensors ----------------------------------------------------------------------------
TEST_CASE("badinput 12-17: safetensors") {
  Tmp t;
  const std::string ok = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  put(t / "long.safetensors", safetensors_with_header(ok, 8, 1000000));
  CHECK_THROWS_WITH_AS(safetensors::load(t / "long.safetensors"),
                       Contains("long.safetensors: header length 1000000 runs past the end of the file (70 bytes)"), Error);  // 12
  put(t / "json.safetensors", safetensors_with_header(R"({"w":{"dtype":"F32",)", 8));
  CHECK_THROWS_WITH_AS(safetensors::load(t / "json.safetensors"), Contains("json.safetensors: malformed JSON header"), Error);  // 13
  put(t / "dtype.safetensors", safetensors_with_header(R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", 8));
  CHECK_THROWS_WITH_AS(safetensors::load(t / "dtype.safetensors"), Contains("tensor 'w' has unsupported dtype Q7"), Error);  // 14
  put(t / "off.safetensors", safetensors_with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}})", 8));
  CHECK_THROWS_WITH_AS(safetensors::load(t / "off.safetensors"),
                       Contains("tensor 'w' has offsets [0, 800) outside the data section of 8 bytes"), Error);  // 15
  put(t / "overlap.safetensors",
      safetensors_with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12));
  CHECK_THROWS_WITH_AS(safetensors::load(t / "overlap.safetensors"), Contains("tensors overlap at byte 4"), Error);  // 16
  put(t / "count.safetensors", safetensors_with_header(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8));
  CHECK_THROWS_WITH_AS(safetensors::load(t / "count.safetensors"), Contains("tensor 'w' holds 8 bytes but F32 [3] needs 12"), Error);  // 17
}

// ---- checkpoints ----------------------------------------------------------------------------
TEST_CASE("badinput 18-22: checkpoints") {
  Tmp t;
  Generator gen(3);
  nn::Linear<float, cpu> small(nn::LinearOptions{4, 2, true, {false}, &gen});
  train::CheckpointManager m({t / "ck", "net", 0, 3});
  const std::string p10 = m.save(10, [&](train::CheckpointWriter& w) { w.add_state("G.", small); });
  // 18: a checkpoint of another model (other layer sizes) restored into this one
  nn::Linear<float, cpu> other(nn::LinearOptions{8, 2, true, {false}, &gen});
  auto c = m.load_latest();
  REQUIRE(c);
  CHECK_THROWS_WITH_AS(c->restore_state("G.", other), Contains("load_state_dict: size mismatch for \"weight\""), Error);
  // 19: a checkpoint of another program (other tensor names)
  train::TensorMap<float, cpu> state{{"enc.w", zeros<float, cpu>({2})}};
  CHECK_THROWS_WITH_AS(c->restore(state), Contains("net_0000000010.safetensors' has no tensor 'enc.w'"), Error);
  // 20: the newest checkpoint is damaged (a bit flipped in its header): resume passes over it,
  // says why, and uses the previous one, which is untouched
  const std::string p20 = m.save(20, [&](train::CheckpointWriter& w) { w.add_state("G.", small); });
  auto bytes = io::read_file_bytes(p20);
  bytes[8] = '#';  // the header's opening brace
  put(p20, bytes);
  c = m.load_latest();
  REQUIRE(c);
  CHECK(c->step == 10);
  REQUIRE(m.skipped().size() == 1);
  CHECK(m.skipped()[0].find("net_0000000020.safetensors: malformed JSON header") != std::string::npos);
  // 21: a file renamed to another step (its "step" metadata disagrees): passed over too
  fs::copy_file(p10, m.path_for(30));
  c = m.load_latest();
  REQUIRE(c);
  CHECK(c->step == 10);
  CHECK(m.skipped()[0].find("net_0000000030.safetensors': its \"step\" metadata does not match its name") != std::string::npos);
  fs::remove(m.path_for(30));
  fs::remove(p20);
  // 22: a full disk during a checkpoint write, simulated with RLIMIT_FSIZE (the write fails
  // part-way with EFBIG): an Error naming the file and the reason; the previous checkpoint is
  // intact, no file appears under the new name and no temp file is left.
  {
    const auto before = io::read_file_bytes(p10);
    struct rlimit old {};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    struct sigaction ign {}, prev {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGXFSZ, &ign, &prev);
    struct rlimit lim = old;
    lim.rlim_cur = 16 * 1024;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
    std::string msg;
    try {
      m.save(40, [&](train::CheckpointWriter& w) { w.add("big", zeros<float, cpu>({64, 1024})); });
    } catch (const Error& e) {
      msg = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &old);
    ::sigaction(SIGXFSZ, &prev, nullptr);
    CHECK(msg.find("cannot write '" + m.path_for(40) + "': writing the temp file") != std::string::npos);
    CHECK(msg.find("File too large") != std::string::npos);
    CHECK(!fs::exists(m.path_for(40)));
    CHECK(io::read_file_bytes(p10) == before);
    for (auto& e : fs::directory_iterator(t / "ck")) CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
    c = m.load_latest();
    REQUIRE(c);
    CHECK(c->step == 10);
  }
}

// ---- output folders -------------------------------------------------------------------------
TEST_CASE("badinput 23-24: output folders that cannot be written") {
  Tmp t;
  put(t / "afile", std::string("x"));
  CHECK_THROWS_WITH_AS(io::write_png(t / "afile/out.png", pattern(2, 2, 3)),
                       has("write_png: cannot write '" + (t / "afile/out.png") + "': folder '" + (t / "afile") + "' is not a folder"), Error);  // 23
  CHECK_THROWS_WITH_AS(safetensors::save(t / "nope/w.safetensors", safetensors::File{}),
                       has("folder '" + (t / "nope") + "' does not exist"), Error);  // 24
}

// ---- idx / Fashion-MNIST --------------------------------------------------------------------
TEST_CASE("badinput 25-29: idx files and a Fashion-MNIST folder") {
  Tmp t;
  put(t / "labels-as-images", idx_file(io::kIdxLabelsMagic, {3}, 3));
  CHECK_THROWS_WITH_AS(io::read_idx_images(t / "labels-as-images"),
                       Contains("has magic number 2049, expected 2051 (idx images); it is a label file"), Error);  // 25
  put(t / "short.idx", idx_file(io::kIdxImagesMagic, {2, 28, 28}, 1000));
  CHECK_THROWS_WITH_AS(io::read_idx_images(t / "short.idx"),
                       Contains("short.idx': dims 2 x 28 x 28 need 1568 data bytes but the file holds 1000 (file too short)"), Error);  // 26
  put_gz(t / "full.gz", idx_file(io::kIdxImagesMagic, {2, 28, 28}, 1568));
  auto gz = io::read_file_bytes(t / "full.gz");
  gz.resize(gz.size() - 30);
  put(t / "cut.gz", gz);
  CHECK_THROWS_WITH_AS(io::read_idx_images(t / "cut.gz"), Contains("cut.gz' is a truncated or corrupt gzip file"), Error);  // 27
  // 28: a dataset folder whose image and label files disagree on the count
  fs::create_directories(t / "fm");
  put_gz(t / "fm/train-images-idx3-ubyte.gz", idx_file(io::kIdxImagesMagic, {3, 28, 28}, 3 * 784));
  put_gz(t / "fm/train-labels-idx1-ubyte.gz", idx_file(io::kIdxLabelsMagic, {2}, 2));
  CHECK_THROWS_WITH_AS(io::load_fashion_mnist(t / "fm"),
                       has("train-images-idx3-ubyte.gz' holds 3 images but '" + (t / "fm/train-labels-idx1-ubyte.gz") + "' holds 2 labels"), Error);
  // 29: a label outside 0..9
  put_gz(t / "fm/train-labels-idx1-ubyte.gz", idx_file(io::kIdxLabelsMagic, {3}, 3, 12));
  CHECK_THROWS_WITH_AS(io::load_fashion_mnist(t / "fm"), Contains("train-labels-idx1-ubyte.gz': label 12 at index 0 is outside 0..9"), Error);
}

// ---- pix2pixHD dataset folder ---------------------------------------------------------------
TEST_CASE("badinput 30: a paired dataset folder with mismatched counts") {
  Tmp t;
  fs::create_directories(t / "ds/train_label");
  fs::create_directories(t / "ds/train_img");
  io::write_png(t / "ds/train_label/a.png", pattern(8, 8, 1));
  io::write_png(t / "ds/train_label/b.png", pattern(8, 8, 1));
  io::write_png(t / "ds/train_img/a.png", pattern(8, 8, 3));
  data::Pix2PixHDDataOptions o;
  o.root = t / "ds";
  o.use_instance = false;
  CHECK_THROWS_WITH_AS(data::Pix2PixHDDataset<float>{o},
                       has("train_label' holds 2 images but '" + (t / "ds/train_img") + "' holds 1; files pair by sorted name; '" +
                           (t / "ds/train_label/b.png") + "' has no partner"), Error);
}

// ---- .flo -----------------------------------------------------------------------------------
TEST_CASE("badinput 31-33: .flo files") {
  Tmp t;
  const auto good = io::encode_flo(from_vector<float, cpu>(std::vector<float>(2 * 3 * 4, 0.5f), {2, 3, 4}));
  auto bad = good;
  bad[0] ^= 1;
  put(t / "magic.flo", bad);
  CHECK_THROWS_WITH_AS(io::read_flo(t / "magic.flo"), Contains("magic.flo' has a bad magic number"), Error);  // 31
  bad = good;
  const int32_t huge = 1 << 20;
  std::memcpy(bad.data() + 4, &huge, 4);
  put(t / "size.flo", bad);
  CHECK_THROWS_WITH_AS(io::read_flo(t / "size.flo"), Contains("size.flo' declares an absurd size 1048576 x 3"), Error);  // 32
  put(t / "short.flo", std::vector<uint8_t>(good.begin(), good.end() - 8));
  CHECK_THROWS_WITH_AS(io::read_flo(t / "short.flo"), Contains("4 x 3 needs 108 bytes but the file has 100 (file too short)"), Error);  // 33
}

// ---- options --------------------------------------------------------------------------------
TEST_CASE("badinput 34-38: options and flags") {
  zoo::pix2pixhd::Options p;
  CHECK_THROWS_WITH_AS(zoo::pix2pixhd::parse(p, {"--name", "x", "--lamda_feat", "5"}), Contains("unknown option --lamda_feat"), Error);  // 34
  CHECK_THROWS_WITH_AS(zoo::pix2pixhd::parse(p, {"--lr", "fast"}), Contains("--lr takes a number, got 'fast'"), Error);  // 35
  CHECK_THROWS_WITH_AS(zoo::pix2pixhd::parse(p, {"--netG", "huge"}), Contains("--netG must be global or local, got 'huge'"), Error);  // 36
  zoo::biggan::Options b;
  CHECK_THROWS_WITH_AS(zoo::biggan::parse_args(b, {"--G_c", "8"}), Contains("unknown option --G_c (did you mean: G_ch"), Error);  // 37
  zoo::flownet2::Flags f("flownet_train");
  f.add("steps", "10", "steps");
  const char* argv[] = {"flownet_train", "--steps"};
  CHECK_THROWS_WITH_AS(f.parse(2, argv), Contains("flownet_train: flag --steps needs a value"), Error);  // 38
}

// ---- NaN / Inf loss -------------------------------------------------------------------------
TEST_CASE("badinput 39-40: a NaN or Inf loss") {
  train::NanGuard g;
  CHECK(g.check(1, {{"G_GAN", 0.5}, {"G_VGG", 1.0}}));
  g.saved("run/ckpt_0000000100.safetensors");
  CHECK_THROWS_WITH_AS(g.check(107, {{"G_GAN", 0.5}, {"G_VGG", std::nan("")}}),
                       Contains("training stopped at step 107: loss term 'G_VGG' is NaN; the last good checkpoint is "
                                "'run/ckpt_0000000100.safetensors'"), train::NonFiniteLoss);  // 39
  // 40: skip mode (mixed precision): an Inf skips the step and halves the loss scale, a run of
  // them is an error after all
  train::NanGuard s({train::NanGuardOptions::Mode::Skip, 1024.0, 1.0, 2, 3, 2.0});
  CHECK_FALSE(s.check(5, {{"D_fake", INFINITY}}));
  CHECK(s.loss_scale() == 512.0);
  CHECK_FALSE(s.check(6, {{"D_fake", INFINITY}}));
  CHECK_THROWS_WITH_AS(s.check(7, {{"D_fake", -INFINITY}}), Contains("step 7: loss term 'D_fake' is -Inf (after 2 skipped steps in a row"),
                       Error);
  train::NanGuard s2({train::NanGuardOptions::Mode::Skip, 8.0, 1.0, 5, 2, 2.0});
  CHECK_FALSE(s2.check(1, {{"x", NAN}}));
  CHECK(s2.check(2, {{"x", 1}}));
  CHECK(s2.check(3, {{"x", 1}}));
  CHECK(s2.loss_scale() == 8.0);  // grew back after good_steps finite steps
}

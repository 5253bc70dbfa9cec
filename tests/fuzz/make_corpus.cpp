// tests/fuzz/make_corpus.cpp — writes the seed corpora under tests/fuzz/corpus/<target>/: small
// valid files made with the library's own writers (run by make_corpus.sh; the output is
// committed, so this only needs re-running when a format grows).
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "ganlib/io/flo.hpp"
#include "ganlib/io/idx.hpp"
#include "ganlib/io/image.hpp"
#include "ganlib/io/safetensors.hpp"
#include "ganlib/train/checkpoint.hpp"

using namespace ganlib;
namespace fs = std::filesystem;

static std::string root;
static void put(const std::string& target, const std::string& name, const std::vector<uint8_t>& b) {
  fs::create_directories(root + "/" + target);
  io::write_file_atomic(root + "/" + target + "/" + name, b);
}
static void put_text(const std::string& target, const std::string& name, const std::string& s) {
  put(target, name, std::vector<uint8_t>(s.begin(), s.end()));
}

static io::Image pattern(int w, int h, int c) {
  io::Image img{w, h, c, std::vector<uint8_t>(size_t(w) * h * c)};
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = uint8_t(i * 37 + i / 7);
  return img;
}
static std::vector<uint8_t> gzip_bytes(const std::vector<uint8_t>& raw) {
  const std::string tmp = root + "/.gz.tmp";
  gzFile g = gzopen(tmp.c_str(), "wb9");
  gzwrite(g, raw.data(), unsigned(raw.size()));
  gzclose(g);
  auto b = io::read_file_bytes(tmp);
  fs::remove(tmp);
  // gzip stores a timestamp: zero it so the corpus is reproducible.
  if (b.size() > 8) b[4] = b[5] = b[6] = b[7] = 0;
  return b;
}
static std::vector<uint8_t> idx(uint32_t magic, std::vector<uint32_t> dims, size_t n) {
  std::vector<uint8_t> b;
  auto be = [&](uint32_t v) { for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s)); };
  be(magic);
  for (auto d : dims) be(d);
  for (size_t i = 0; i < n; ++i) b.push_back(uint8_t(i % 10));
  return b;
}

int main(int argc, char** argv) {
  root = argc > 1 ? argv[1] : "tests/fuzz/corpus";
  // images: PNG grey/grey+alpha/RGB/RGBA, 16-bit, JPEG grey/RGB, BMP, PGM/PPM
  put("image", "rgb.png", io::encode_png(pattern(7, 5, 3)));
  put("image", "grey.png", io::encode_png(pattern(4, 4, 1)));
  put("image", "ga.png", io::encode_png(pattern(3, 2, 2)));
  put("image", "rgba.png", io::encode_png(pattern(5, 3, 4)));
  put("image", "rgb16.png", io::encode_png(io::Image16{3, 2, 3, {0, 1, 2, 300, 400, 500, 65535, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}}));
  put("image", "rgb.jpg", io::encode_jpeg(pattern(9, 7, 3), 90));
  put("image", "grey.jpg", io::encode_jpeg(pattern(8, 8, 1), 50));
  {
    std::vector<uint8_t> bmp;
    const auto img = pattern(3, 2, 3);
    stbi_write_bmp_to_func(io::detail::append_callback, &bmp, img.width, img.height, 3, img.data.data());
    put("image", "rgb.bmp", bmp);
  }
  put_text("image", "grey.pgm", std::string("P5\n3 2\n255\n") + std::string("\x01\x02\x03\x04\x05\x06", 6));
  put_text("image", "rgb.ppm", std::string("P6\n2 1\n255\n") + std::string("\x10\x20\x30\x40\x50\x60", 6));
  // label maps
  put("label_png", "ids8.png", io::encode_png(pattern(6, 4, 1)));
  put("label_png", "ids16.png", io::encode_png(io::Image16{4, 2, 1, {0, 1, 33, 26000, 26001, 255, 256, 65535}}));
  put("label_png", "rgb_refused.png", io::encode_png(pattern(2, 2, 3)));
  // safetensors
  {
    safetensors::File f;
    f.tensors["w"] = safetensors::make_entry({1, 2, 3, 4, 5, 6}, {2, 3}, safetensors::DType::F32);
    f.tensors["h"] = safetensors::make_entry({0.5, -1, 65504}, {3}, safetensors::DType::F16);
    f.tensors["bf"] = safetensors::make_entry({1.5, -2}, {2}, safetensors::DType::BF16);
    f.tensors["d"] = safetensors::make_entry({1e-300}, {1, 1}, safetensors::DType::F64);
    f.tensors["i"] = safetensors::make_entry({-3, 7}, {2}, safetensors::DType::I64);
    f.tensors["j"] = safetensors::make_entry({9}, {}, safetensors::DType::I32);
    f.tensors["u"] = safetensors::make_entry({1, 2, 3, 4}, {2, 2}, safetensors::DType::U8);
    f.tensors["empty"] = safetensors::make_entry({}, {0, 3}, safetensors::DType::F32);
    f.metadata["format"] = "pt";
    put("safetensors", "all_dtypes.safetensors", safetensors::serialize(f));
    safetensors::File g;
    g.tensors["x"] = safetensors::make_entry({1}, {1});
    put("safetensors", "one.safetensors", safetensors::serialize(g));
    put("safetensors", "empty.safetensors", safetensors::serialize(safetensors::File{}));
  }
  // checkpoints: what CheckpointManager::save writes (a model map, an RNG state, options)
  {
    const std::string dir = root + "/.ckpt.tmp";
    train::CheckpointManager m({dir, "fuzz", 0, 0});
    train::CheckpointWriter w;
    w.add("w", from_vector<float, cpu>({1, 2, 3, 4, 5, 6}, {2, 3}));
    w.add("b", from_vector<float, cpu>({7, 8, 9}, {3}));
    Generator gen(42);
    gen.next_offset(12);
    w.generator("noise", gen).meta("options", R"({"lr":"0.0002"})");
    const std::string p = m.save(5, w);
    put("checkpoint", "step5.safetensors", io::read_file_bytes(p));
    train::CheckpointWriter w2;
    w2.add("w", from_vector<double, cpu>({1, 2, 3, 4, 5, 6}, {2, 3}));
    put("checkpoint", "step5_f64.safetensors", io::read_file_bytes(m.save(5, w2)));
    fs::remove_all(dir);
  }
  // idx: images and labels, plain and gzip
  {
    const auto im = idx(io::kIdxImagesMagic, {2, 3, 4}, 24), lb = idx(io::kIdxLabelsMagic, {5}, 5);
    put("idx", "images.idx", im);
    put("idx", "labels.idx", lb);
    put("idx", "images.idx.gz", gzip_bytes(im));
    put("idx", "labels.idx.gz", gzip_bytes(lb));
  }
  // .flo
  put("flo", "3x2.flo", io::encode_flo(from_vector<float, cpu>({1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6}, {2, 2, 3})));
  put("flo", "1x1.flo", io::encode_flo(from_vector<float, cpu>({0.5f, -0.25f}, {2, 1, 1})));
  // options: first byte picks the parser (harness.hpp), then one argument per line
  put_text("options", "pix2pixhd.txt", std::string("\x00", 1) +
           "--name\nx\n--netG=local\n--no_flip\n--lr\n0.001\n--niter\n3\n--out\ny\n--max_dataset_size\ninf");
  put_text("options", "biggan.txt", "\x01--dataset\nFMNIST\n--G_ch=8\n--ema\n--G_lr\n1e-4\n--seed\n3\n--D_thin");
  put_text("options", "flownet2.txt", "\x02--name\nabc\n--lr=0.5\n--steps\n12\n--flip\ntrue\n--list\nx,y,,z");
  put_text("options", "masknet.txt", "\x03--name=q\n--lr\n1e-3\n--steps=7\n--flip\n1\n--rates\n1,2,3");
  std::printf("corpus written under %s\n", root.c_str());
  return 0;
}

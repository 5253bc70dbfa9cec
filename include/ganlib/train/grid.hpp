// train/grid.hpp — sample grids as PNG, like torchvision's make_grid + save_image, and label
// maps colourised with pix2pixHD's palettes.
// Contract: a grid of N images of H×W with nrow columns and padding p is
// (ceil(N/nrow')·(H+p)+p) × (nrow'·(W+p)+p) pixels, nrow' = min(nrow, N), images placed row by
// row at (p + col·(W+p), p + row·(H+p)); tensor values map from [low, high] (default [-1, 1],
// clamped) to 0..255 as floor(255·x + 0.5); one-channel images become grey RGB.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../data/synthetic/cityscapes_ids.hpp"
#include "../io/image.hpp"
#include "../ops/factory.hpp"

namespace ganlib::train {

struct GridOptions {
  int nrow = 8;           // images per row
  int padding = 2;
  uint8_t pad_value = 0;  // 0..255
  double low = -1, high = 1;  // the value range mapped to black..white
  bool auto_range = false;    // use the batch's own min and max instead (torchvision range=None)
};

// pix2pixHD's labelcolormap(n): the Cityscapes palette for n = 35, otherwise the bit-interleaved
// (PASCAL VOC style) palette.
inline std::vector<std::array<uint8_t, 3>> label_colormap(int n) {
  GANLIB_CHECK(n >= 1 && n <= 65536, "label_colormap: n must be in 1..65536, got ", n);
  std::vector<std::array<uint8_t, 3>> cmap(static_cast<size_t>(n));
  if (n == 35) {
    for (size_t i = 0; i < 35; ++i) cmap[i] = cityscapes::palette[i];
    return cmap;
  }
  for (int i = 0; i < n; ++i) {
    uint8_t r = 0, g = 0, b = 0;
    int id = i;
    for (int j = 0; j < 7; ++j) {
      r = uint8_t(r ^ (((id >> 0) & 1) << (7 - j)));
      g = uint8_t(g ^ (((id >> 1) & 1) << (7 - j)));
      b = uint8_t(b ^ (((id >> 2) & 1) << (7 - j)));
      id >>= 3;
    }
    cmap[size_t(i)] = {r, g, b};
  }
  return cmap;
}

// Tiles equally sized images (1 or 3 channels; grey becomes RGB) into one RGB image.
inline io::Image make_grid(const std::vector<io::Image>& images, int nrow = 8, int padding = 2,
                           uint8_t pad_value = 0) {
  GANLIB_CHECK(!images.empty(), "make_grid: no images");
  GANLIB_CHECK(nrow >= 1 && padding >= 0, "make_grid: nrow (", nrow, ") must be >= 1 and padding (",
               padding, ") >= 0");
  const int H = images[0].height, W = images[0].width;
  for (size_t i = 0; i < images.size(); ++i)
    GANLIB_CHECK(images[i].width == W && images[i].height == H &&
                     (images[i].channels == 1 || images[i].channels == 3),
                 "make_grid: image ", i, " is ", images[i].width, " x ", images[i].height, " with ",
                 images[i].channels, " channels; expected ", W, " x ", H, " with 1 or 3");
  const int n = int(images.size()), xmaps = std::min(nrow, n), ymaps = (n + xmaps - 1) / xmaps;
  io::Image g;
  g.channels = 3;
  g.width = xmaps * (W + padding) + padding;
  g.height = ymaps * (H + padding) + padding;
  g.data.assign(size_t(g.width) * size_t(g.height) * 3, pad_value);
  for (int k = 0; k < n; ++k) {
    const io::Image& im = images[size_t(k)];
    const int x0 = padding + (k % xmaps) * (W + padding), y0 = padding + (k / xmaps) * (H + padding);
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x)
        for (int c = 0; c < 3; ++c) g.at(y0 + y, x0 + x, c) = im.at(y, x, im.channels == 1 ? 0 : c);
  }
  return g;
}

// A batch [N, C, H, W] (or one [C, H, W]) with C = 1 or 3 as 8-bit images.
template <class T, class B>
std::vector<io::Image> tensor_images(const Tensor<T, B>& t, const GridOptions& o = {}) {
  GANLIB_CHECK((t.dim() == 4 || t.dim() == 3) && (t.size(-3) == 1 || t.size(-3) == 3),
               "tensor_images: expected [N, C, H, W] or [C, H, W] with C = 1 or 3, got ",
               to_string(t.shape()));
  const int64_t N = t.dim() == 4 ? t.size(0) : 1, C = t.size(-3), H = t.size(-2), W = t.size(-1);
  const std::vector<T> v = t.to_vector();
  double lo = o.low, hi = o.high;
  if (o.auto_range) {
    lo = INFINITY, hi = -INFINITY;
    for (T x : v)
      if (std::isfinite(double(x))) lo = std::min(lo, double(x)), hi = std::max(hi, double(x));
    if (!(lo <= hi)) lo = 0, hi = 1;
  }
  const double scale = 1.0 / std::max(hi - lo, 1e-5);
  std::vector<io::Image> out(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    io::Image& im = out[size_t(n)];
    im.width = int(W), im.height = int(H), im.channels = int(C);
    im.data.resize(size_t(W * H * C));
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < H * W; ++i) {
        double x = double(v[size_t((n * C + c) * H * W + i)]);
        x = std::isnan(x) ? 0.0 : (std::clamp(x, lo, hi) - lo) * scale;  // torchvision: clamp, shift, scale
        im.data[size_t(i * C + c)] = uint8_t(std::clamp(std::floor(x * 255 + 0.5), 0.0, 255.0));
      }
  }
  return out;
}

// Label maps [N, 1, H, W] of ids (or one-hot [N, label_nc, H, W], reduced by argmax as
// pix2pixHD's tensor2label) colourised with label_colormap(label_nc); ids outside are black.
template <class T, class B>
std::vector<io::Image> label_images(const Tensor<T, B>& t, int label_nc = 35) {
  GANLIB_CHECK((t.dim() == 4 || t.dim() == 3), "label_images: expected [N, C, H, W] or [C, H, W], got ",
               to_string(t.shape()));
  const int64_t N = t.dim() == 4 ? t.size(0) : 1, C = t.size(-3), H = t.size(-2), W = t.size(-1);
  const auto cmap = label_colormap(label_nc);
  const std::vector<T> v = t.to_vector();
  std::vector<io::Image> out(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    io::Image& im = out[size_t(n)];
    im.width = int(W), im.height = int(H), im.channels = 3;
    im.data.assign(size_t(W * H * 3), 0);
    for (int64_t i = 0; i < H * W; ++i) {
      int64_t id;
      if (C == 1) {
        const double x = double(v[size_t(n * H * W + i)]);
        id = std::isfinite(x) ? int64_t(std::llround(x)) : -1;
      } else {
        id = 0;
        for (int64_t c = 1; c < C; ++c)
          if (v[size_t((n * C + c) * H * W + i)] > v[size_t((n * C + id) * H * W + i)]) id = c;
      }
      if (id >= 0 && id < label_nc)
        for (int c = 0; c < 3; ++c) im.data[size_t(i * 3 + c)] = cmap[size_t(id)][size_t(c)];
    }
  }
  return out;
}

template <class T, class B>
io::Image make_grid(const Tensor<T, B>& t, const GridOptions& o = {}) {
  return make_grid(tensor_images(t, o), o.nrow, o.padding, o.pad_value);
}
template <class T, class B>
io::Image make_label_grid(const Tensor<T, B>& labels, int label_nc = 35, const GridOptions& o = {}) {
  return make_grid(label_images(labels, label_nc), o.nrow, o.padding, o.pad_value);
}

// Writes a grid (or any image) as PNG, atomically.
inline void save_png(const std::string& path, const io::Image& img) { io::write_png(path, img); }
template <class T, class B>
void save_grid(const std::string& path, const Tensor<T, B>& t, const GridOptions& o = {}) {
  io::write_png(path, make_grid(t, o));
}

}  // namespace ganlib::train

// data/transforms.hpp — pix2pixHD's preprocessing (data/base_dataset.py): the resize_or_crop
// modes, random horizontal flip, PIL-exact resampling, and image/label → tensor conversion.
// Contract: get_params draws one crop position and one flip per sample and apply_* use those
// same params for every input of the sample; label and instance maps are resampled nearest
// (ids stay exact), images bicubic by default, as the reference (PIL's filters and 8-bit
// fixed-point arithmetic, reproduced bit for bit).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/error.hpp"
#include "../io/image.hpp"
#include "dataset.hpp"

namespace ganlib::data {

enum class ResizeOrCrop { resize_and_crop, crop, scale_width, scale_width_and_crop, none };
enum class Resample { nearest, bilinear, bicubic };

inline const char* to_string(ResizeOrCrop m) {
  switch (m) {
    case ResizeOrCrop::resize_and_crop: return "resize_and_crop";
    case ResizeOrCrop::crop: return "crop";
    case ResizeOrCrop::scale_width: return "scale_width";
    case ResizeOrCrop::scale_width_and_crop: return "scale_width_and_crop";
    case ResizeOrCrop::none: return "none";
  }
  return "?";
}
inline ResizeOrCrop parse_resize_or_crop(const std::string& s) {
  for (auto m : {ResizeOrCrop::resize_and_crop, ResizeOrCrop::crop, ResizeOrCrop::scale_width,
                 ResizeOrCrop::scale_width_and_crop, ResizeOrCrop::none})
    if (s == to_string(m)) return m;
  ganlib::detail::fail("resize_or_crop: unknown mode '", s, "' (expected resize_and_crop, crop, "
                       "scale_width, scale_width_and_crop or none)");
}
inline const char* to_string(Resample r) {
  return r == Resample::nearest ? "nearest" : r == Resample::bilinear ? "bilinear" : "bicubic";
}

// The options of pix2pixHD's get_params/get_transform (defaults: the reference's).
struct TransformOptions {
  ResizeOrCrop mode = ResizeOrCrop::scale_width;
  int load_size = 1024;   // --loadSize
  int fine_size = 512;    // --fineSize (crop side)
  // 'none' rounds each side to a multiple of this: 2^n_downsample_global (4), times
  // 2^n_local_enhancers with the local generator.
  int power2_base = 16;
  bool flip = true;       // random horizontal flip: training without --no_flip
  Resample image_resample = Resample::bicubic;  // PIL BICUBIC, as the reference
};

// One sample's random choices (get_params) and the size the resize step produces.
struct TransformParams {
  int crop_x = 0, crop_y = 0;
  bool flip = false;
};

// pix2pixHD's get_params: the crop position is drawn in the resized frame, then the flip.
inline TransformParams get_params(const TransformOptions& o, int w, int h, SampleRng& rng) {
  int nw = w, nh = h;
  if (o.mode == ResizeOrCrop::resize_and_crop) {
    nw = nh = o.load_size;
  } else if (o.mode == ResizeOrCrop::scale_width_and_crop) {
    nw = o.load_size;
    nh = int(int64_t(o.load_size) * h / w);
  }
  TransformParams p;
  p.crop_x = int(rng.randint(0, std::max(0, nw - o.fine_size)));
  p.crop_y = int(rng.randint(0, std::max(0, nh - o.fine_size)));
  p.flip = rng.uniform() > 0.5;  // drawn whether or not flipping is on, as the reference
  return p;
}

// ---- resampling ---------------------------------------------------------------------------

namespace detail {

// PIL's filters (libImaging/Resample.c).
inline double pil_bicubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}
inline double pil_bilinear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// Per output pixel: first input index, tap count, and 22-bit fixed-point weights
// (precompute_coeffs + normalize_coeffs_8bpc). Downscaling widens the filter (antialiasing).
struct Coeffs {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> k;  // [out][ksize]
};
inline constexpr int kPrecisionBits = 32 - 8 - 2;

inline Coeffs pil_coeffs(int in_size, int out_size, Resample r) {
  const double support0 = r == Resample::bicubic ? 2.0 : 1.0;
  const double scale = double(in_size) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = support0 * filterscale;
  Coeffs c;
  c.ksize = int(std::ceil(support)) * 2 + 1;
  c.first.resize(size_t(out_size));
  c.count.resize(size_t(out_size));
  c.k.assign(size_t(out_size) * size_t(c.ksize), 0);
  std::vector<double> w(size_t(c.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale, ss = 1.0 / filterscale;
    int xmin = int(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = int(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double arg = (x + xmin - center + 0.5) * ss;
      w[size_t(x)] = r == Resample::bicubic ? pil_bicubic(arg) : pil_bilinear(arg);
      ww += w[size_t(x)];
    }
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? w[size_t(x)] / ww : w[size_t(x)];
      c.k[size_t(xx) * size_t(c.ksize) + size_t(x)] =
          int32_t(v < 0 ? -0.5 + v * (1 << kPrecisionBits) : 0.5 + v * (1 << kPrecisionBits));
    }
    c.first[size_t(xx)] = xmin;
    c.count[size_t(xx)] = xmax;
  }
  return c;
}

inline uint8_t clip8(int32_t v) {
  v >>= kPrecisionBits;  // arithmetic shift: negatives stay negative
  return uint8_t(v < 0 ? 0 : v > 255 ? 255 : v);
}

// One pass along x (horizontal) or y, 8-bit in and out as PIL does between its two passes.
inline io::Image resample_pass(const io::Image& in, int out_size, Resample r, bool horizontal) {
  const int C = in.channels;
  const Coeffs c = pil_coeffs(horizontal ? in.width : in.height, out_size, r);
  io::Image out;
  out.channels = C;
  out.width = horizontal ? out_size : in.width;
  out.height = horizontal ? in.height : out_size;
  out.data.resize(size_t(out.width) * size_t(out.height) * size_t(C));
  if (horizontal) {
    for (int y = 0; y < out.height; ++y) {
      const uint8_t* row = in.data.data() + size_t(y) * size_t(in.width) * size_t(C);
      uint8_t* dst = out.data.data() + size_t(y) * size_t(out.width) * size_t(C);
      for (int xx = 0; xx < out_size; ++xx) {
        const int32_t* k = c.k.data() + size_t(xx) * size_t(c.ksize);
        const uint8_t* src = row + size_t(c.first[size_t(xx)]) * size_t(C);
        for (int ch = 0; ch < C; ++ch) {
          int32_t ss = 1 << (kPrecisionBits - 1);
          for (int x = 0; x < c.count[size_t(xx)]; ++x) ss += int32_t(src[size_t(x) * size_t(C) + size_t(ch)]) * k[x];
          dst[size_t(xx) * size_t(C) + size_t(ch)] = clip8(ss);
        }
      }
    }
  } else {
    const size_t rowlen = size_t(in.width) * size_t(C);
    std::vector<int32_t> acc(rowlen);
    for (int yy = 0; yy < out_size; ++yy) {
      const int32_t* k = c.k.data() + size_t(yy) * size_t(c.ksize);
      std::fill(acc.begin(), acc.end(), int32_t(1) << (kPrecisionBits - 1));
      for (int y = 0; y < c.count[size_t(yy)]; ++y) {
        const uint8_t* src = in.data.data() + size_t(c.first[size_t(yy)] + y) * rowlen;
        const int32_t kk = k[y];
        for (size_t i = 0; i < rowlen; ++i) acc[i] += int32_t(src[i]) * kk;  // vectorisable
      }
      uint8_t* dst = out.data.data() + size_t(yy) * rowlen;
      for (size_t i = 0; i < rowlen; ++i) dst[i] = clip8(acc[i]);
    }
  }
  return out;
}

}  // namespace detail

// Nearest-neighbour resize as PIL's NEAREST: output pixel x takes input floor((x + 0.5)·in/out).
// Works on any pixel type, so 16-bit label and instance ids are copied, never blended.
template <class P>
io::BasicImage<P> resize_nearest(const io::BasicImage<P>& in, int w, int h) {
  GANLIB_CHECK(w > 0 && h > 0, "resize: target size ", w, " x ", h, " must be positive");
  if (w == in.width && h == in.height) return in;
  io::BasicImage<P> out;
  out.width = w;
  out.height = h;
  out.channels = in.channels;
  out.data.resize(size_t(w) * size_t(h) * size_t(in.channels));
  std::vector<int> xs(static_cast<size_t>(w));
  const double sx = double(in.width) / w, sy = double(in.height) / h;
  for (int x = 0; x < w; ++x) xs[size_t(x)] = std::min(in.width - 1, int((x + 0.5) * sx));
  const size_t C = size_t(in.channels);
  for (int y = 0; y < h; ++y) {
    const int ys = std::min(in.height - 1, int((y + 0.5) * sy));
    for (int x = 0; x < w; ++x)
      for (size_t c = 0; c < C; ++c)
        out.data[(size_t(y) * size_t(w) + size_t(x)) * C + c] =
            in.data[(size_t(ys) * size_t(in.width) + size_t(xs[size_t(x)])) * C + c];
  }
  return out;
}

// 8-bit resize with PIL's algorithm (Image.resize): separable, horizontal pass first, the
// filter widened by the scale factor when shrinking, 22-bit fixed-point weights.
inline io::Image resize(const io::Image& in, int w, int h, Resample r) {
  GANLIB_CHECK(w > 0 && h > 0, "resize: target size ", w, " x ", h, " must be positive");
  GANLIB_CHECK(in.width > 0 && in.height > 0 && in.channels > 0, "resize: empty input image");
  if (r == Resample::nearest) return resize_nearest(in, w, h);
  io::Image cur = in;
  if (w != in.width) cur = detail::resample_pass(cur, w, r, true);
  if (h != in.height) cur = detail::resample_pass(cur, h, r, false);
  return cur;
}
template <class P>
io::BasicImage<P> resize_any(const io::BasicImage<P>& in, int w, int h, Resample r) {
  if constexpr (std::is_same_v<P, uint8_t>) return resize(in, w, h, r);
  else {
    GANLIB_CHECK(r == Resample::nearest, "resize: 16-bit maps can only be resized nearest");
    return resize_nearest(in, w, h);
  }
}

// Crop [x, x + w) × [y, y + h), clipped to the image.
template <class P>
io::BasicImage<P> crop(const io::BasicImage<P>& in, int x, int y, int w, int h) {
  x = std::clamp(x, 0, in.width);
  y = std::clamp(y, 0, in.height);
  w = std::min(w, in.width - x);
  h = std::min(h, in.height - y);
  GANLIB_CHECK(w > 0 && h > 0, "crop: window at (", x, ", ", y, ") is empty in a ", in.width, " x ",
               in.height, " image");
  if (x == 0 && y == 0 && w == in.width && h == in.height) return in;
  io::BasicImage<P> out;
  out.width = w;
  out.height = h;
  out.channels = in.channels;
  const size_t C = size_t(in.channels);
  out.data.resize(size_t(w) * size_t(h) * C);
  for (int r = 0; r < h; ++r)
    std::copy_n(in.data.begin() + long((size_t(y + r) * size_t(in.width) + size_t(x)) * C),
                size_t(w) * C, out.data.begin() + long(size_t(r) * size_t(w) * C));
  return out;
}

template <class P>
io::BasicImage<P> hflip(io::BasicImage<P> img) {
  const size_t C = size_t(img.channels);
  for (int y = 0; y < img.height; ++y)
    for (int a = 0, b = img.width - 1; a < b; ++a, --b)
      for (size_t c = 0; c < C; ++c)
        std::swap(img.data[(size_t(y) * size_t(img.width) + size_t(a)) * C + c],
                  img.data[(size_t(y) * size_t(img.width) + size_t(b)) * C + c]);
  return img;
}

// pix2pixHD's get_transform applied to one input: resize step, crop step, power-of-2 step
// ('none' only), then the flip. `r` is the resampling for this input (nearest for labels).
// One deliberate difference: PIL's crop pads with black when the window leaves an image smaller
// than fine_size on one side only; here the window is clipped to the image instead.
template <class P>
io::BasicImage<P> apply_transform(const io::BasicImage<P>& in, const TransformOptions& o,
                                  const TransformParams& p, Resample r) {
  io::BasicImage<P> img = in;
  switch (o.mode) {
    case ResizeOrCrop::resize_and_crop:
      img = resize_any(img, o.load_size, o.load_size, r);
      break;
    case ResizeOrCrop::scale_width:
    case ResizeOrCrop::scale_width_and_crop:
      if (img.width != o.load_size)  // __scale_width: h = int(target_width * oh / ow)
        img = resize_any(img, o.load_size, int(int64_t(o.load_size) * img.height / img.width), r);
      break;
    default:
      break;
  }
  if (o.mode == ResizeOrCrop::resize_and_crop || o.mode == ResizeOrCrop::crop ||
      o.mode == ResizeOrCrop::scale_width_and_crop) {
    if (img.width > o.fine_size || img.height > o.fine_size)
      img = crop(img, p.crop_x, p.crop_y, o.fine_size, o.fine_size);
  }
  if (o.mode == ResizeOrCrop::none) {  // __make_power_2: round half to even, as Python's round
    const double base = o.power2_base;
    const int h = int(std::nearbyint(img.height / base) * base), w = int(std::nearbyint(img.width / base) * base);
    GANLIB_CHECK(w > 0 && h > 0, "resize_or_crop none: a ", img.width, " x ", img.height,
                 " image rounds to ", w, " x ", h, " with base ", o.power2_base);
    if (w != img.width || h != img.height) img = resize_any(img, w, h, r);
  }
  if (o.flip && p.flip) img = hflip(std::move(img));
  return img;
}

// The size apply_transform produces for a w × h input (without resampling anything).
inline std::pair<int, int> transformed_size(const TransformOptions& o, int w, int h) {
  if (o.mode == ResizeOrCrop::resize_and_crop) w = h = o.load_size;
  if ((o.mode == ResizeOrCrop::scale_width || o.mode == ResizeOrCrop::scale_width_and_crop) && w != o.load_size) {
    h = int(int64_t(o.load_size) * h / w);
    w = o.load_size;
  }
  if ((o.mode == ResizeOrCrop::resize_and_crop || o.mode == ResizeOrCrop::crop ||
       o.mode == ResizeOrCrop::scale_width_and_crop) && (w > o.fine_size || h > o.fine_size)) {
    w = std::min(w, o.fine_size);
    h = std::min(h, o.fine_size);
  }
  if (o.mode == ResizeOrCrop::none) {
    const double base = o.power2_base;
    h = int(std::nearbyint(h / base) * base);
    w = int(std::nearbyint(w / base) * base);
  }
  return {w, h};
}

inline void check_options(const TransformOptions& o, const std::string& who) {
  GANLIB_CHECK(o.load_size > 0 && o.fine_size > 0, who, ": load_size (", o.load_size,
               ") and fine_size (", o.fine_size, ") must be positive");
  GANLIB_CHECK(o.power2_base > 0, who, ": power2_base must be positive, got ", o.power2_base);
}

// ---- conversion to tensors ----------------------------------------------------------------

// An 8-bit image [H, W, C] → [C, H, W] in [-1, 1] (ToTensor + Normalize(0.5, 0.5)).
template <class T = float>
Tensor<T, cpu> to_tensor(const io::Image& img) {
  return io::image_to_tensor<T, cpu>(img);
}
// A label or instance map → [1, H, W] holding the ids as floats (exact below 2^24).
template <class T = float>
Tensor<T, cpu> ids_to_tensor(const io::Image16& img) {
  return io::label_to_tensor<T, cpu>(img);
}

}  // namespace ganlib::data

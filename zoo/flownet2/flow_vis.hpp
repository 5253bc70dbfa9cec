// zoo/flownet2/flow_vis.hpp — the Middlebury colour-wheel flow visualisation (Baker et al.,
// "A Database and Evaluation Methodology for Optical Flow"; flow_utils' flow2img).
// Contract: hue = direction, saturation = magnitude / max_radius (max over the image unless
// given); zero flow is white, +x (right) is red, +y (down) orange-yellow, −x cyan-blue, −y
// blue-violet; vectors beyond max_radius are darkened to 75 %. Non-finite flow is drawn black.
#pragma once
#include <array>
#include <cmath>
#include <vector>

#include "ganlib/io/image.hpp"

namespace ganlib::zoo::flownet2 {

// The 55 wheel colours: red→yellow 15, yellow→green 6, green→cyan 4, cyan→blue 11,
// blue→magenta 13, magenta→red 6.
inline const std::vector<std::array<double, 3>>& color_wheel() {
  static const std::vector<std::array<double, 3>> wheel = [] {
    std::vector<std::array<double, 3>> w;
    const int RY = 15, YG = 6, GC = 4, CB = 11, BM = 13, MR = 6;
    for (int i = 0; i < RY; ++i) w.push_back({255, 255.0 * i / RY, 0});
    for (int i = 0; i < YG; ++i) w.push_back({255 - 255.0 * i / YG, 255, 0});
    for (int i = 0; i < GC; ++i) w.push_back({0, 255, 255.0 * i / GC});
    for (int i = 0; i < CB; ++i) w.push_back({0, 255 - 255.0 * i / CB, 255});
    for (int i = 0; i < BM; ++i) w.push_back({255.0 * i / BM, 0, 255});
    for (int i = 0; i < MR; ++i) w.push_back({255, 0, 255 - 255.0 * i / MR});
    return w;
  }();
  return wheel;
}

// One flow vector (already divided by the radius used for normalisation) → RGB.
inline std::array<uint8_t, 3> flow_color(double u, double v) {
  if (!std::isfinite(u) || !std::isfinite(v)) return {0, 0, 0};
  const auto& wheel = color_wheel();
  const int ncols = int(wheel.size());
  const double rad = std::sqrt(u * u + v * v);
  const double a = std::atan2(-v, -u) / 3.14159265358979323846;
  const double fk = (a + 1) / 2 * (ncols - 1);
  const int k0 = int(std::floor(fk)) % ncols, k1 = (k0 + 1) % ncols;
  const double f = fk - std::floor(fk);
  std::array<uint8_t, 3> out{};
  for (int c = 0; c < 3; ++c) {
    double col = ((1 - f) * wheel[size_t(k0)][size_t(c)] + f * wheel[size_t(k1)][size_t(c)]) / 255;
    col = rad <= 1 ? 1 - rad * (1 - col) : col * 0.75;
    out[size_t(c)] = uint8_t(std::lround(std::clamp(col, 0.0, 1.0) * 255));
  }
  return out;
}

// flow h·w·2 (u, v interleaved) → RGB image. max_radius ≤ 0: the largest finite magnitude.
inline io::Image flow_to_image(const std::vector<float>& flow, int width, int height, double max_radius = 0) {
  GANLIB_CHECK(width > 0 && height > 0 && flow.size() == size_t(width) * size_t(height) * 2,
               "flow_to_image: ", flow.size(), " values do not make a ", width, "x", height, "x2 flow");
  if (max_radius <= 0) {
    for (size_t i = 0; i < flow.size(); i += 2) {
      const double r = std::hypot(double(flow[i]), double(flow[i + 1]));
      if (std::isfinite(r)) max_radius = std::max(max_radius, r);
    }
  }
  const double norm = max_radius > 0 ? max_radius : 1;
  io::Image img;
  img.width = width, img.height = height, img.channels = 3;
  img.data.resize(size_t(width) * height * 3);
  for (size_t i = 0; i < size_t(width) * height; ++i) {
    const auto c = flow_color(flow[2 * i] / norm, flow[2 * i + 1] / norm);
    for (int k = 0; k < 3; ++k) img.data[3 * i + size_t(k)] = c[size_t(k)];
  }
  return img;
}

// A [2, H, W] tensor (channel 0 = u).
template <class T, class B>
io::Image flow_to_image(const Tensor<T, B>& flow, double max_radius = 0) {
  GANLIB_CHECK(flow.dim() == 3 && flow.size(0) == 2, "flow_to_image: expected a [2, H, W] flow, got ",
               to_string(flow.shape()));
  const int h = int(flow.size(1)), w = int(flow.size(2));
  const auto v = flow.to_vector();
  std::vector<float> hw2(size_t(w) * h * 2);
  for (size_t i = 0; i < size_t(w) * h; ++i) {
    hw2[2 * i] = float(v[i]);
    hw2[2 * i + 1] = float(v[size_t(w) * h + i]);
  }
  return flow_to_image(hw2, w, h, max_radius);
}

}  // namespace ganlib::zoo::flownet2

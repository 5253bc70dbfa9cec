// tests/ops/test_conv_paths.cpp — the three conv primitives (kernels::conv2d_forward /
// _input_grad / _weight_grad) on every CPU path against a naive double-precision convolution:
// the implicit-im2col kernels (backend/cpu/conv_implicit.hpp: direct tiles, packed columns,
// direct and packed weight gradients; the forward also called directly, as dispatch sends most
// of these small-output shapes to conv_narrow.hpp), the narrow-output forward (conv_narrow.hpp,
// called directly on every shape it accepts), the one-output kernels (conv_one_output.hpp, called
// directly on every shape they accept; the few-output forward by dispatch), Winograd F(2×2, 3×3) (backend/cpu/conv_winograd.hpp,
// called directly on every 3×3 stride-1 shape, and reached by dispatch on one with many
// channels) and the im2col reference path, over awkward shapes
// (odd sizes, stride 2, dilation, groups, padding, 1×1, several images), 1 and 2 threads,
// outputs pre-filled with NaN (every primitive must overwrite, never read, its output).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <ganlib/ops.hpp>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace ganlib;

namespace {

struct Shape2 {
  int64_t N, C, H, W, K, kh, kw, sh, sw, ph, pw, dh, dw, groups;
};

Conv2dGeom geom(const Shape2& s) {
  Conv2dGeom g;
  g.N = s.N, g.C = s.C, g.H = s.H, g.W = s.W, g.K = s.K, g.kh = s.kh, g.kw = s.kw;
  g.sh = s.sh, g.sw = s.sw, g.ph = s.ph, g.pw = s.pw, g.dh = s.dh, g.dw = s.dw, g.groups = s.groups;
  g.Ho = (s.H + 2 * s.ph - s.dh * (s.kh - 1) - 1) / s.sh + 1;
  g.Wo = (s.W + 2 * s.pw - s.dw * (s.kw - 1) - 1) / s.sw + 1;
  return g;
}

std::string describe(const Conv2dGeom& g) {
  // (snprintf, not operator+ chains: g++ 12 reports a false -Wrestrict on those)
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "N%lld C%lld %lldx%lld K%lld k%lldx%lld s%lld,%lld p%lld,%lld d%lld,%lld g%lld",
                (long long)g.N, (long long)g.C, (long long)g.H, (long long)g.W, (long long)g.K,
                (long long)g.kh, (long long)g.kw, (long long)g.sh, (long long)g.sw, (long long)g.ph,
                (long long)g.pw, (long long)g.dh, (long long)g.dw, (long long)g.groups);
  return buf;
}

// The three maps in double, straight from the definition; mag gets Σ|terms| per output (the
// scale of the float rounding error).
struct Naive {
  std::vector<double> y, gx, gw, ymag, gxmag, gwmag;
};

Naive naive(const Conv2dGeom& g, const std::vector<float>& x, const std::vector<float>& w,
            const std::vector<float>& b, const std::vector<float>& gy) {
  Naive r;
  r.y.assign(size_t(g.N * g.K * g.hw_out()), 0), r.ymag = r.y;
  r.gx.assign(x.size(), 0), r.gxmag = r.gx;
  r.gw.assign(w.size(), 0), r.gwmag = r.gw;
  const int64_t cg = g.cg(), kg = g.kg();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t k = 0; k < g.K; ++k)
      for (int64_t oh = 0; oh < g.Ho; ++oh)
        for (int64_t ow = 0; ow < g.Wo; ++ow) {
          const size_t yi = size_t(((n * g.K + k) * g.Ho + oh) * g.Wo + ow);
          r.y[yi] = b[size_t(k)], r.ymag[yi] = std::fabs(b[size_t(k)]);
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t i = 0; i < g.kh; ++i)
              for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t ih = oh * g.sh - g.ph + i * g.dh, iw = ow * g.sw - g.pw + j * g.dw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                const size_t xi = size_t(((n * g.C + k / kg * cg + c) * g.H + ih) * g.W + iw);
                const size_t wi = size_t(((k * cg + c) * g.kh + i) * g.kw + j);
                const double wx = double(w[wi]) * x[xi], wg = double(w[wi]) * gy[yi],
                             xg = double(x[xi]) * gy[yi];
                r.y[yi] += wx;
                r.ymag[yi] += std::fabs(wx);
                r.gx[xi] += wg;
                r.gxmag[xi] += std::fabs(wg);
                r.gw[wi] += xg;
                r.gwmag[wi] += std::fabs(xg);
              }
        }
  return r;
}

// Largest |got − want| / (1e-5·(mag + 1e-3)) (≤ 1 passes); a NaN anywhere fails.
double worst(const std::vector<float>& got, const std::vector<double>& want,
             const std::vector<double>& mag) {
  double w = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(got[i])) return 1e30;
    w = std::max(w, std::fabs(double(got[i]) - want[i]) / (1e-5 * (mag[i] + 1e-3)));
  }
  return w;
}

enum class Path { dispatch, im2col, winograd, one_output, narrow, implicit };

// Runs the three primitives on one path and checks them against the naive double results.
void check(const Shape2& s, Path path, std::mt19937& gen) {
  const Conv2dGeom g = geom(s);
  std::normal_distribution<float> dist;
  std::vector<float> x(size_t(g.N * g.C * g.hw_in())), w(size_t(g.K * g.ckk())), b(size_t(g.K)),
      gy(size_t(g.N * g.K * g.hw_out()));
  for (auto* v : {&x, &w, &b, &gy})
    for (auto& e : *v) e = dist(gen);
  const Naive want = naive(g, x, w, b, gy);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> y(gy.size(), nan), gx(x.size(), nan), gw(w.size(), nan);
  if (path == Path::dispatch) {
    kernels::conv2d_forward(cpu{}, g, x.data(), w.data(), b.data(), y.data());
    kernels::conv2d_input_grad(cpu{}, g, gy.data(), w.data(), gx.data());
    kernels::conv2d_weight_grad(cpu{}, g, x.data(), gy.data(), gw.data());
  } else if (path == Path::winograd) {
#if defined(__AVX512F__)
    kernels::winograd::forward(g, x.data(), w.data(), b.data(), y.data());
    kernels::winograd::input_grad(g, gy.data(), w.data(), gx.data());
    kernels::winograd::weight_grad(g, x.data(), gy.data(), gw.data());
#endif
  } else if (path == Path::one_output) {
#if defined(__AVX512F__)
    kernels::one_output::forward(g, x.data(), w.data(), b.data(), y.data());
    kernels::one_output::input_grad(g, gy.data(), w.data(), gx.data());
    kernels::one_output::weight_grad(g, x.data(), gy.data(), gw.data());
#endif
  } else if (path == Path::narrow || path == Path::implicit) {  // forwards only
#if defined(__AVX512F__)
    if (path == Path::narrow) kernels::conv_narrow::forward(g, x.data(), w.data(), b.data(), y.data());
    else kernels::conv_implicit::forward(g, x.data(), w.data(), b.data(), y.data());
#endif
    kernels::conv2d_input_grad_im2col(cpu{}, g, gy.data(), w.data(), gx.data());
    kernels::conv2d_weight_grad_im2col(cpu{}, g, x.data(), gy.data(), gw.data());
  } else {
    kernels::conv2d_forward_im2col(cpu{}, g, x.data(), w.data(), b.data(), y.data());
    kernels::conv2d_input_grad_im2col(cpu{}, g, gy.data(), w.data(), gx.data());
    kernels::conv2d_weight_grad_im2col(cpu{}, g, x.data(), gy.data(), gw.data());
  }
  const char* names[] = {" (dispatch)", " (im2col)",         " (winograd)",
                         " (one output)", " (narrow forward)", " (implicit forward)"};
  INFO(describe(g), names[int(path)], " threads ",
       num_threads());
  CHECK(worst(y, want.y, want.ymag) <= 1);
  CHECK(worst(gx, want.gx, want.gxmag) <= 1);
  CHECK(worst(gw, want.gw, want.gwmag) <= 1);
}

// Shapes chosen to land on each path (checked below, so a change of dispatch rule cannot
// quietly leave a path untested): {N, C, H, W, K, kh, kw, sh, sw, ph, pw, dh, dw, groups}.
const std::vector<Shape2> kShapes = {
    {1, 5, 19, 61, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1},   // 0 odd sizes, direct tiles (Wo 61: 2 tiles)
    {2, 6, 17, 64, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},  // 1 N = 2, M 20: two 10-row panels
    {1, 3, 23, 75, 16, 7, 7, 1, 1, 3, 3, 1, 1, 1},  // 2 7×7, padding 3, ragged last tile
    {1, 4, 21, 40, 6, 5, 3, 1, 1, 0, 2, 2, 3, 1},   // 3 dilation 2×3, kh ≠ kw: packed columns
    {2, 6, 33, 35, 8, 3, 3, 2, 2, 1, 1, 1, 1,
     1},  // 4 stride 2: packed columns; weight grad on im2col
    {1, 8, 40, 36, 12, 3, 3, 1, 1, 1, 1, 1, 1, 2},   // 5 groups 2, packed columns
    {1, 6, 18, 50, 9, 3, 3, 1, 1, 1, 1, 1, 1, 3},    // 6 groups 3 (3 outputs each), direct
    {1, 4, 30, 30, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1},    // 7 1×1 with padding: negative dgrad padding
    {1, 8, 16, 32, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1},   // 8 pointwise: stays on the GEMM
    {1, 3, 40, 21, 2, 4, 4, 1, 2, 1, 1, 1, 1, 1},    // 9 column stride 2 only (permutes), 4×4
    {1, 5, 26, 30, 4, 3, 3, 1, 1, 5, 5, 1, 1, 1},    // 10 padding > d·(k−1)
    {1, 61, 14, 36, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1},  // 11 CKK 549: two K slices, M 70, packed
    {1, 70, 12, 64, 30, 3, 3, 1, 1, 1, 1, 1, 1, 1},  // 12 CKK 630: two K slices, direct
    {1, 5, 20, 75, 6, 4, 4, 2, 2, 1, 1, 1, 1, 1},    // 13 stride 2, 4×4: packed columns (permutes)
    {2, 3, 31, 70, 5, 3, 3, 2, 2, 0, 0, 1, 1, 1},    // 14 stride 2 unpadded, N = 2
    {1, 4, 30, 80, 7, 3, 3, 2, 2, 2, 3, 2, 2, 1},    // 15 stride 2 with dilation 2, odd padding
    {2, 7, 30, 20, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // 16 Wo 20: packed weight grad across images
    {1, 3, 24, 100, 4, 3, 3, 1, 3, 1, 1, 1, 1, 1},   // 17 column stride 3: packed columns (gathers)
    {2, 6, 33, 66, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1},   // 18 stride 2, odd H: strided input grad (phases)
    {1, 8, 32, 64, 6, 4, 4, 2, 2, 1, 1, 1, 1, 2},    // 19 4×4 stride 2, groups 2 (D and deconvs)
    {1, 4, 36, 48, 5, 5, 5, 2, 2, 2, 2, 1, 1, 1},    // 20 5×5 stride 2 (FlowNetS)
    {1, 3, 40, 70, 4, 3, 3, 2, 2, 4, 4, 1, 1, 1},    // 21 padding > kernel: cropping phases
    {1, 4, 40, 40, 6, 1, 1, 2, 2, 0, 0, 1, 1, 1},    // 22 1×1 stride 2: phases without taps, a GEMM one
    {9, 9, 8, 8, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1},     // 23 a batch of 8×8 maps (BigGAN): implicit over
                                                     //    the batch, weight grad split mid-image
    {2, 5, 15, 16, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // 24 Wo 16: two-row direct tiles, odd Ho
    {2, 4, 17, 20, 6, 5, 5, 1, 1, 1, 0, 1, 1, 1},    // 25 5×5, Wo 16 from W 20: two-row tiles
    {2, 7, 13, 40, 1, 4, 4, 1, 1, 2, 2, 1, 1, 1},    // 26 one output, 4×4 padding 2 (PatchGAN's last)
    {1, 3, 9, 150, 1, 3, 3, 2, 1, 1, 1, 1, 2, 1},    // 27 one output, Wo 148: two column chunks,
                                                     //    row stride 2, column dilation 2
    {4, 64, 16, 16, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1},  // 28 64 channels, 256 tiles: Winograd by dispatch
    {2, 8, 13, 37, 5, 3, 3, 1, 1, 0, 2, 1, 1, 1},    // 29 Winograd: odd Ho and Wo, padding 0 × 2,
                                                     //    20 tile columns (a partial second vector)
    {1, 3, 6, 300, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},    // 30 Winograd: 150 tile columns, a row in two units
    {1, 3, 12, 140, 4, 4, 4, 2, 2, 1, 1, 1, 1, 1},   // 31 4×4 stride 2, Wo 70: weight grad by column phases
    {2, 5, 9, 131, 6, 3, 3, 2, 2, 2, 1, 1, 1, 1},    // 32 3×3 stride 2 (phases of 2 and 1 taps), row pad 2
    {1, 2, 7, 200, 3, 3, 2, 1, 3, 0, 1, 1, 1, 1},    // 33 column stride 3 > kw: a phase without taps
    {1, 4, 8, 130, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2},    // 34 column phases with groups 2
    {1, 9, 6, 10, 1, 4, 4, 1, 1, 2, 2, 1, 1, 1},     // 35 one output on a small map (the coarsest
                                                     //    PatchGAN's): Wo 11, 9 channels in 8 sums
    {3, 20, 13, 40, 1, 5, 5, 2, 1, 0, 3, 2, 1, 1},   // 36 one output: row stride and dilation 2,
                                                     //    5×5, Wo 42 (4 vectors, 2 sets of sums)
    {1, 5, 9, 140, 3, 7, 7, 1, 1, 3, 3, 1, 1, 1},    // 37 three outputs, 7×7 (a generator's last):
                                                     //    Wo 140, a 128-column chunk and a partial one
    {2, 4, 7, 150, 4, 3, 3, 2, 1, 1, 1, 1, 2, 1},    // 38 four outputs (96-column chunks), row stride 2,
                                                     //    column dilation 2
    {1, 3, 5, 130, 2, 3, 3, 1, 1, 0, 2, 1, 1, 1},    // 39 two outputs, padding 0 × 2
    {2, 5, 11, 29, 40, 3, 3, 1, 2, 1, 1, 2, 1, 1},   // 40 narrow: 40 outputs (blocks of 32 and 8),
                                                     //    column stride 2 only, row dilation 2, Wo 15
    {1, 3, 16, 36, 64, 4, 4, 2, 2, 2, 2, 1, 1, 1},   // 41 narrow: 64 outputs, 4×4 stride 2 (PatchGAN)
    {1, 3, 40, 70, 100, 3, 3, 2, 2, 1, 1, 1, 1, 1},  // 42 narrow: 100 outputs (4 blocks) over 700
                                                     //    positions
};

// The shapes each kernel family is run on directly: every one it fits (Winograd) or accepts.
#if defined(__AVX512F__)
bool winograd_fits(const Shape2& s) { return kernels::winograd::fits(geom(s)); }
bool one_output_fits(const Shape2& s) { return kernels::one_output::usable(geom(s)); }
bool narrow_fits(const Shape2& s) { return kernels::conv_narrow::usable(geom(s)); }
bool implicit_fits(const Shape2& s) { return kernels::conv_implicit::usable(geom(s)); }
#else
bool winograd_fits(const Shape2&) { return false; }
bool one_output_fits(const Shape2&) { return false; }
bool narrow_fits(const Shape2&) { return false; }
bool implicit_fits(const Shape2&) { return false; }
#endif

}  // namespace

TEST_CASE("conv paths: the shapes reach the implicit kernels they are meant for") {
#if defined(__AVX512F__)
  using namespace kernels::conv_implicit;
  auto G = [](int i) { return geom(kShapes[size_t(i)]); };
  for (int i : {0, 1, 2, 6, 7, 12}) CHECK(use_direct(G(i)));
  for (int i : {3, 4, 5, 9, 10, 11, 13, 14, 15, 16, 17}) CHECK(!use_direct(G(i)));
  for (int i = 0; i < int(kShapes.size()); ++i) CHECK(usable(G(i)) == (i != 8 && i != 35 && i != 41));  // 42: 700 positions
  for (int i : {0, 1, 3, 7, 12}) CHECK(use_direct_weight_grad(G(i)));
  for (int i : {4, 9, 13, 14, 15, 17}) CHECK(!usable_weight_grad(G(i)));
  // Rows of 38 and 41 columns: direct weight gradients over the flattened map (one with
  // dilation 2×3, one over two images); 61 columns fill their vectors well enough.
  for (int i : {3, 26}) CHECK((use_direct_weight_grad(G(i)) && flat_weight_grad(G(i))));
  CHECK(!flat_weight_grad(G(0)));
  CHECK(usable_weight_grad(G(16)));
  CHECK(!use_direct_weight_grad(G(16)));
  for (int i : {0, 2, 3, 7, 10}) CHECK(usable_input_grad(G(i)));
  for (int i : {4, 9}) CHECK(!usable_input_grad(G(i)));
  for (int i : {13, 14, 17, 18, 19, 20, 21, 22}) CHECK(usable_strided_input_grad(G(i)));
  CHECK(!usable_strided_input_grad(G(15)));  // dilation 2
  Conv2dGeom wide = G(18);
  wide.K = 2 * kMaxPhaseChannels;  // many gy channels: the im2col path
  CHECK(!usable_strided_input_grad(wide));
  // Where the phases pay: 64 gy channels only over ≥ 4096 output positions, 128 only with
  // kernels of ≥ 25 taps (the measurements by phases_pay).
  Conv2dGeom mid = G(18);  // 2 images of 17×33 outputs: 1122 positions
  mid.K = 64;
  CHECK(!usable_strided_input_grad(mid));
  mid.N = 8;  // 4488 positions
  CHECK(usable_strided_input_grad(mid));
  mid.K = 128;
  CHECK(!usable_strided_input_grad(mid));
  CHECK(usable_strided_input_grad(G(20)));  // 5×5: 25 taps
  Conv2dGeom deep5 = G(20);
  deep5.K = 128;
  CHECK(usable_strided_input_grad(deep5));
  CHECK(G(7).ph > G(7).dh * (G(7).kh - 1));
  CHECK(G(11).ckk() > KC);
  CHECK(G(12).ckk() > KC);
  CHECK(G(23).hw_out() < 256);  // too small alone; the batch of 9 takes the implicit kernels
  CHECK((usable_input_grad(G(23)) && usable_weight_grad(G(23)) && !use_direct(G(23))));
  for (int i : {24, 25}) CHECK((use_direct(G(i)) && two_row_tiles(G(i)) && G(i).Ho % 2 == 1));
  CHECK(usable_input_grad(G(24)));  // its input gradient runs on two-row tiles too (W 16)
  for (int i = 0; i < int(kShapes.size()); ++i)
    CHECK(kernels::one_output::usable(G(i)) == (i == 26 || i == 27 || i == 35 || i == 36));
  for (int i = 0; i < int(kShapes.size()); ++i)
    CHECK(kernels::one_output::usable_few(G(i)) == (i == 30 || (i >= 37 && i <= 39)));
  CHECK(kernels::one_output::vectors_for(G(35).Wo) == 1);  // and its gradients by dispatch:
  CHECK((!usable_input_grad(G(35)) && !usable_strided_input_grad(G(35)) &&
         !usable_weight_grad(G(35)) && !usable_strided_weight_grad(G(35))));
  CHECK(kernels::one_output::vectors_for(G(36).Wo) == 4);
  // Winograd by dispatch only where it pays (28), so the shapes above keep their paths; run
  // directly on every shape it fits, among them the unit splits it is written for.
  for (int i = 0; i < int(kShapes.size()); ++i) {
    CHECK(kernels::winograd::usable(G(i)) == (i == 28));
    CHECK(kernels::winograd::usable_input_grad(G(i)) == (i == 28));
    CHECK(kernels::winograd::usable_weight_grad(G(i)) == (i == 28));
  }
  Conv2dGeom half = G(28);
  half.N = 2;  // 128 tiles: forward and input gradient by Winograd, the weight gradient not
  CHECK((kernels::winograd::usable(half) && kernels::winograd::usable_input_grad(half) &&
         !kernels::winograd::usable_weight_grad(half)));
  for (int i : {0, 1, 11, 12, 16, 23, 24, 28, 29, 30}) CHECK(winograd_fits(kShapes[size_t(i)]));
  CHECK(kernels::winograd::Tiling(G(30), 1).segs == 2);
  // Strided weight gradients by column phases from 64 output columns; narrower ones on im2col.
  for (int i : {31, 32, 33, 34}) CHECK((usable_strided_weight_grad(G(i)) && !usable_weight_grad(G(i))));
  for (int i : {4, 13, 14, 15, 17, 18}) CHECK(!usable_strided_weight_grad(G(i)));
  CHECK(kernels::winograd::Tiling(G(29), 1).tw == 20);
  // Small maps with many output channels keep im2col for both gradients (PatchGAN's 128→256
  // 4×4 at 18×34); over more positions the implicit kernels take them again.
  Conv2dGeom deep = G(3);
  deep.K = 256;
  CHECK(deep.hw_out() <= 1024);
  CHECK((usable(deep) && !usable_input_grad(deep) && !usable_weight_grad(deep)));
  deep.N = 3;  // 1482 positions
  CHECK((usable_input_grad(deep) && usable_weight_grad(deep)));
  // The narrow-output forward: by dispatch at column stride 2 with up to 64 outputs (128 over
  // ≥ 512 positions) and at stride 1 with up to 32; not with groups, 64 outputs at stride 1,
  // more than 128 outputs, or stride 3.
  for (int i : {0, 1, 2, 3, 4, 9, 13, 14, 18, 20, 31, 40, 41, 42})
    CHECK(kernels::conv_narrow::pays(G(i)));
  for (int i : {5, 6, 8, 11, 17, 19, 28, 33}) CHECK(!kernels::conv_narrow::pays(G(i)));
  Conv2dGeom few_positions = G(42);  // 100 outputs at stride 2 over fewer than 512 positions
  few_positions.H = 20;
  few_positions.Ho = 10;
  CHECK((kernels::conv_narrow::usable(few_positions) && !kernels::conv_narrow::pays(few_positions)));
  CHECK(kernels::conv_narrow::usable(G(28)));  // run directly, the 64 outputs in two blocks
  CHECK((G(40).K > kernels::conv_narrow::TM && G(40).K % kernels::conv_narrow::TM != 0));
#endif
}

TEST_CASE("conv paths: forward, input and weight gradients against a naive double conv") {
  const int before = num_threads();
  std::mt19937 gen(7);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (const auto& s : kShapes) {
      check(s, Path::dispatch, gen);
      check(s, Path::im2col, gen);
      if (winograd_fits(s)) check(s, Path::winograd, gen);
      if (one_output_fits(s)) check(s, Path::one_output, gen);
      if (narrow_fits(s)) check(s, Path::narrow, gen);
      if (implicit_fits(s)) check(s, Path::implicit, gen);
    }
  }
  set_num_threads(before);
}

TEST_CASE("conv paths: the implicit and Winograd kernels are repeatable for a thread count") {
  for (const Conv2dGeom& g : {geom(kShapes[1]), geom(kShapes[28]), geom(kShapes[40])}) {
    std::mt19937 gen(3);
    std::normal_distribution<float> dist;
    std::vector<float> x(size_t(g.N * g.C * g.hw_in())), w(size_t(g.K * g.ckk())),
        gy(size_t(g.N * g.K * g.hw_out()));
    for (auto* v : {&x, &w, &gy})
      for (auto& e : *v) e = dist(gen);
    auto run = [&] {
      std::vector<float> y(gy.size()), gx(x.size()), gw(w.size());
      kernels::conv2d_forward(cpu{}, g, x.data(), w.data(), static_cast<const float*>(nullptr),
                              y.data());
      kernels::conv2d_input_grad(cpu{}, g, gy.data(), w.data(), gx.data());
      kernels::conv2d_weight_grad(cpu{}, g, x.data(), gy.data(), gw.data());
      y.insert(y.end(), gx.begin(), gx.end());
      y.insert(y.end(), gw.begin(), gw.end());
      return y;
    };
    const int before = num_threads();
    set_num_threads(2);
    const auto a = run(), b = run();
    set_num_threads(before);
    CHECK(a == b);
  }
}

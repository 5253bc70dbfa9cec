// tests/train/test_results.cpp — sample grids (torchvision's make_grid geometry, [-1,1]
// normalisation, label palettes) and the HTML results page, checked in headless Chromium when
// it is installed: every <img> on the page must decode.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "ganlib/train/grid.hpp"
#include "ganlib/train/html.hpp"

#include "../support/files.hpp"

using namespace ganlib;
using namespace ganlib::train;
namespace fs = std::filesystem;

using namespace ganlib_test;

namespace {
// A batch [N, C, H, W] whose image n is filled with value v(n).
Tensor<float, cpu> filled(int64_t N, int64_t C, int64_t H, int64_t W, float (*v)(int64_t)) {
  std::vector<float> d;
  for (int64_t n = 0; n < N; ++n) d.insert(d.end(), size_t(C * H * W), v(n));
  return from_vector<float, cpu>(d, {N, C, H, W});
}

// The first chromium-like browser on PATH (or GANLIB_CHROMIUM), or "".
std::string find_chromium() {
  if (const char* e = std::getenv("GANLIB_CHROMIUM")) return e;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= p.size()) {
      const size_t end = std::min(p.find(':', start), p.size());
      const fs::path cand = fs::path(p.substr(start, end - start)) / name;
      if (::access(cand.c_str(), X_OK) == 0) return cand.string();
      start = end + 1;
    }
  }
  return "";
}

std::string run_capture(const std::string& cmd, int& status) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) {
    status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  status = ::pclose(f);
  return out;
}
}  // namespace

TEST_CASE("grid: torchvision geometry, padding, [-1, 1] normalisation, grey to RGB") {
  const auto t = filled(5, 3, 4, 6, [](int64_t n) { return -1.f + 0.5f * float(n); });  // -1, -.5, 0, .5, 1
  GridOptions o;
  o.nrow = 3;
  o.padding = 2;
  o.pad_value = 7;
  const io::Image g = make_grid(t, o);
  CHECK(g.channels == 3);
  CHECK(g.width == 3 * (6 + 2) + 2);   // 26
  CHECK(g.height == 2 * (4 + 2) + 2);  // 14
  // Image k at (2 + col·8, 2 + row·6); values floor(255·(x+1)/2 + 0.5).
  const int expect[5] = {0, 64, 128, 191, 255};
  for (int k = 0; k < 5; ++k) {
    const int x0 = 2 + (k % 3) * 8, y0 = 2 + (k / 3) * 6;
    CHECK(g.at(y0, x0, 0) == expect[k]);
    CHECK(g.at(y0 + 3, x0 + 5, 2) == expect[k]);
    CHECK(g.at(y0 - 1, x0, 0) == 7);  // padding above
  }
  CHECK(g.at(2 + 6, 2 + 2 * 8, 0) == 7);  // the empty sixth slot is padding
  // Out-of-range values clamp; one channel becomes grey RGB.
  const auto grey = filled(2, 1, 3, 3, [](int64_t n) { return n ? 5.f : -7.f; });
  const io::Image gg = make_grid(grey, GridOptions{8, 0});
  CHECK(gg.width == 6);
  CHECK(gg.height == 3);
  CHECK((gg.at(0, 0, 0) == 0 && gg.at(0, 3, 0) == 255 && gg.at(0, 3, 1) == 255 && gg.at(0, 3, 2) == 255));
  GridOptions a;
  a.auto_range = true;
  a.padding = 0;
  const io::Image ga = make_grid(filled(2, 1, 1, 1, [](int64_t n) { return float(n) * 10 + 3; }), a);
  CHECK((ga.at(0, 0, 0) == 0 && ga.at(0, 1, 0) == 255));
  CHECK_THROWS_WITH_AS(make_grid(filled(1, 2, 2, 2, [](int64_t) { return 0.f; })),
                       doctest::Contains("C = 1 or 3, got [1, 2, 2, 2]"), Error);
}

TEST_CASE("grid: label maps use pix2pixHD's palettes; the PNG has the grid's size") {
  const auto cm = label_colormap(35);
  CHECK(cm[7] == std::array<uint8_t, 3>{128, 64, 128});  // road
  CHECK(cm[26] == std::array<uint8_t, 3>{0, 0, 142});   // car
  const auto voc = label_colormap(21);  // bit-interleaved: 1 → (128,0,0), 2 → (0,128,0), 3 → (128,128,0)
  CHECK(voc[0] == std::array<uint8_t, 3>{0, 0, 0});
  CHECK(voc[1] == std::array<uint8_t, 3>{128, 0, 0});
  CHECK(voc[2] == std::array<uint8_t, 3>{0, 128, 0});
  CHECK(voc[3] == std::array<uint8_t, 3>{128, 128, 0});
  CHECK(voc[8] == std::array<uint8_t, 3>{64, 0, 0});
  const auto ids = from_vector<float, cpu>({7, 26, 40, 23}, {2, 1, 1, 2});
  const io::Image lg = make_label_grid(ids, 35, GridOptions{8, 1});
  CHECK(lg.width == 2 * (2 + 1) + 1);
  CHECK(lg.height == 1 + 1 + 1);
  CHECK((lg.at(1, 1, 0) == 128 && lg.at(1, 1, 1) == 64 && lg.at(1, 2, 2) == 142));
  CHECK((lg.at(1, 4, 0) == 0 && lg.at(1, 4, 2) == 0));        // id 40 ≥ 35: black
  CHECK((lg.at(1, 5, 0) == 70 && lg.at(1, 5, 2) == 180));      // sky
  // One-hot input: argmax over channels.
  const auto onehot = from_vector<float, cpu>({0, 1, 1, 0, 0, 0}, {1, 3, 1, 2});
  const auto im = label_images(onehot, 3)[0];
  CHECK((im.at(0, 0, 0) == 128 && im.at(0, 0, 1) == 0));  // pixel 0: channel 1 wins, (128, 0, 0)
  CHECK((im.at(0, 1, 0) == 0 && im.at(0, 1, 1) == 0));    // pixel 1: channel 0 wins, black
  TempDir dir("grid");
  const std::string path = (dir.path / "grid.png").string();
  save_grid(path, filled(10, 3, 8, 12, [](int64_t n) { return float(n) / 10; }), GridOptions{4, 2});
  const io::Image back = io::read_image(path);
  CHECK(back.width == 4 * 14 + 2);
  CHECK(back.height == 3 * 10 + 2);
  CHECK(back.channels == 3);
}

TEST_CASE("html: newest epoch first, captioned linked images, SVG loss curves, refresh") {
  TempDir dir("html");
  ScalarLog log((dir.path / "scalars.jsonl").string());
  for (int s = 1; s <= 50; ++s) log.append(s, 0, {{"G_GAN", 1.0 / s}, {"D_real", s == 20 ? NAN : 0.5}});
  HtmlOptions o;
  o.title = "pix2pixHD <label2city>";
  o.scalar_log = log.path();
  ResultsPage page((dir.path / "web").string(), o);
  io::Image red;
  red.width = 8, red.height = 4, red.channels = 3;
  for (int i = 0; i < 32; ++i) red.data.insert(red.data.end(), {200, 10, 10});
  for (int epoch = 1; epoch <= 3; ++epoch)
    page.add_results(epoch, -1, {{"input_label", red}, {"synthesized_image", red}, {"real_image", red}});
  page.add_results(3, 1200, {{"synthesized_image", red}});
  CHECK(fs::exists(dir.path / "web" / "images" / "epoch002_real_image.png"));
  CHECK(fs::exists(dir.path / "web" / "images" / "epoch003_iter00001200_synthesized_image.png"));
  std::ifstream f(page.index_path());
  const std::string html((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CHECK(html.find("<meta http-equiv=\"refresh\" content=\"30\">") != std::string::npos);
  CHECK(html.find("<title>pix2pixHD &lt;label2city&gt;</title>") != std::string::npos);
  // Headers newest first.
  std::vector<std::string> headers;
  const std::regex h3("<h3>([^<]*)</h3>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), h3); it != std::sregex_iterator(); ++it)
    headers.push_back((*it)[1].str());
  CHECK(headers == std::vector<std::string>{"epoch [3] step [1200]", "epoch [3]", "epoch [2]", "epoch [1]"});
  // Images in the order given, each linked to itself and captioned.
  const auto e2 = html.find("<h3>epoch [2]</h3>");
  const auto a = html.find("epoch002_input_label.png", e2), b = html.find("epoch002_synthesized_image.png", e2),
             c = html.find("epoch002_real_image.png", e2);
  CHECK((a < b && b < c && c != std::string::npos));
  CHECK(html.find("<a href=\"images/epoch001_real_image.png\"><img style=\"width:256px\" "
                  "src=\"images/epoch001_real_image.png\"") != std::string::npos);
  CHECK(html.find("<p class=\"caption\">synthesized_image</p>") != std::string::npos);
  // One SVG per scalar; the NaN at step 20 splits D_real's polyline in two.
  CHECK(html.find("data-scalar=\"G_GAN\"") != std::string::npos);
  const auto d = html.find("data-scalar=\"D_real\"");
  REQUIRE(d != std::string::npos);
  const auto d_end = html.find("</svg>", d);
  int polylines = 0;
  for (auto p = html.find("<polyline", d); p < d_end; p = html.find("<polyline", p + 1)) ++polylines;
  CHECK(polylines == 2);
  const auto g = html.find("data-scalar=\"G_GAN\"");
  const auto pts = html.find("points=\"", g);
  const auto pts_end = html.find('"', pts + 8);
  const std::string points = html.substr(pts + 8, pts_end - pts - 8);
  CHECK(std::count(points.begin(), points.end(), ',') == 50);
  CHECK_THROWS_WITH_AS(ResultsPage::image_name(1, -1, "bad name"), doctest::Contains("must be letters"), Error);
}

TEST_CASE("html: the results page loads every image in headless Chromium") {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    MESSAGE("SKIPPED: no chromium on PATH (Debian package 'chromium'; or set GANLIB_CHROMIUM): "
            "the headless-browser check of the results page did not run");
    return;
  }
  TempDir dir("chromium");
  ScalarLog log((dir.path / "scalars.jsonl").string());
  for (int s = 1; s <= 20; ++s) log.append(s, 0, {{"loss", 1.0 / s}});
  HtmlOptions o;
  o.scalar_log = log.path();
  ResultsPage page((dir.path / "web").string(), o);
  const auto batch = filled(4, 3, 16, 16, [](int64_t n) { return -1.f + 0.6f * float(n); });
  const auto labels = from_vector<float, cpu>(std::vector<float>(2 * 16 * 16, 26.f), {2, 1, 16, 16});
  page.add_results(1, -1, {{"input_label", make_label_grid(labels)}, {"synthesized_image", make_grid(batch)}});
  page.add_results(2, -1, {{"input_label", make_label_grid(labels)}, {"synthesized_image", make_grid(batch)},
                           {"real_image", make_grid(batch, GridOptions{2})}});
  const std::string profile = (dir.path / "profile").string();
  const std::string cmd = "timeout 90 '" + chromium + "' --headless --disable-gpu --no-sandbox --disable-dev-shm-usage "
                          "--no-first-run --user-data-dir='" + profile + "' --virtual-time-budget=5000 "
                          "--dump-dom 'file://" + page.index_path() + "' 2>/dev/null";
  int status = 0;
  const std::string dom = run_capture(cmd, status);
  INFO("chromium command: ", cmd);
  INFO("exit status ", status, "; DOM starts: ", dom.substr(0, 300));
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::smatch m;
  REQUIRE(std::regex_search(dom, m, std::regex(R"re(data-loaded-count="(\d+)" data-image-count="(\d+)")re")));
  CHECK(m[2].str() == "5");
  CHECK(m[1].str() == "5");
  // Each <img> carries its own mark.
  int marked = 0;
  const std::regex loaded_img("<img[^>]*data-loaded=\"1\"");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), loaded_img);
       it != std::sregex_iterator(); ++it)
    ++marked;
  CHECK(marked == 5);
  CHECK(dom.find("data-loaded=\"0\"") == std::string::npos);
  CHECK(dom.find("5 of 5 images loaded") != std::string::npos);

  // The check can fail: a page whose image is broken reports it.
  { std::ofstream(fs::path(page.images_dir()) / "epoch002_real_image.png", std::ios::trunc) << "not a png"; }
  const std::string broken = run_capture(cmd, status);
  CHECK(broken.find("4 of 5 images loaded") != std::string::npos);
}

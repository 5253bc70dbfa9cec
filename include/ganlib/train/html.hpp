// train/html.hpp — a results page in the spirit of pix2pixHD's web/index.html: newest results
// first, an <h3> per epoch (and step), a table of captioned images each linking to its full-size
// file, loss curves drawn as inline SVG polylines from the JSON scalar log, and a meta refresh.
// Contract: add_results() writes images/epochNNN[_iterNNNNNNNN]_<name>.png and rewrites
// index.html atomically; the page is rebuilt from the files in images/ (so a resumed run keeps
// the earlier results) and the scalar log. An inline script marks each <img> with
// data-loaded="1" when it decoded (naturalWidth > 0), "0" otherwise, and writes the count into
// #image-status, so a headless browser can check that every image loads.
#pragma once
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../io/atomic_file.hpp"
#include "../io/image.hpp"
#include "log.hpp"

namespace ganlib::train {

struct HtmlOptions {
  std::string title = "ganlib results";
  int refresh_seconds = 30;   // <meta http-equiv="refresh">; 0 for none
  int image_width = 256;      // pix2pixHD's --display_winsize
  std::string scalar_log;     // a JSON-lines log (train/log.hpp) to draw loss curves from
  int max_curve_points = 800; // points per curve (longer logs are thinned evenly)
};

namespace detail {
inline std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}
inline std::string fmt(const char* f, double v) {
  char b[48];
  std::snprintf(b, sizeof b, f, v);
  return b;
}
}  // namespace detail

// One chart per scalar: value against step, as SVG polylines (broken at non-finite values).
inline std::string loss_curves_svg(const std::vector<ScalarRecord>& records, int max_points = 800,
                                   int width = 420, int height = 150) {
  std::vector<std::string> keys;
  for (auto& r : records)
    for (auto& [k, v] : r.values)
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  std::string out;
  const double ml = 52, mr = 8, mt = 18, mb = 18;  // margins for the labels
  for (auto& key : keys) {
    std::vector<std::pair<double, double>> pts;
    for (auto& r : records)
      for (auto& [k, v] : r.values)
        if (k == key) pts.emplace_back(double(r.step), v);
    if (max_points > 1 && int(pts.size()) > max_points) {  // even thinning, keeping the last point
      std::vector<std::pair<double, double>> thin;
      const double stride = double(pts.size() - 1) / double(max_points - 1);
      for (int i = 0; i < max_points; ++i) thin.push_back(pts[size_t(std::llround(i * stride))]);
      pts.swap(thin);
    }
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (auto& [x, y] : pts)
      if (std::isfinite(y)) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    if (!(x0 <= x1)) continue;  // nothing finite to draw
    if (x1 == x0) x1 = x0 + 1;
    if (y1 == y0) y1 = y0 + 1, y0 = y0 - 1;
    const double pw = width - ml - mr, ph = height - mt - mb;
    std::string lines, cur;
    int n_cur = 0;
    auto flush = [&] {
      if (n_cur >= 2) lines += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"" + cur + "\"/>";
      else if (n_cur == 1) {
        const auto sp = cur.find(','), end = cur.find(' ');
        lines += "<circle r=\"2\" fill=\"#1f77b4\" cx=\"" + cur.substr(0, sp) + "\" cy=\"" +
                 cur.substr(sp + 1, end - sp - 1) + "\"/>";
      }
      cur.clear();
      n_cur = 0;
    };
    for (auto& [x, y] : pts) {
      if (!std::isfinite(y)) {
        flush();
        continue;
      }
      cur += detail::fmt("%.1f", ml + (x - x0) / (x1 - x0) * pw) + "," + detail::fmt("%.1f", mt + (y1 - y) / (y1 - y0) * ph) + " ";
      ++n_cur;
    }
    flush();
    out += "<figure class=\"curve\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
           "\" height=\"" + std::to_string(height) + "\" data-scalar=\"" + detail::html_escape(key) + "\">";
    out += "<rect x=\"" + detail::fmt("%.0f", ml) + "\" y=\"" + detail::fmt("%.0f", mt) + "\" width=\"" +
           detail::fmt("%.0f", pw) + "\" height=\"" + detail::fmt("%.0f", ph) + "\" fill=\"#fafafa\" stroke=\"#ccc\"/>";
    out += lines;
    out += "<text x=\"" + detail::fmt("%.0f", ml - 4) + "\" y=\"" + detail::fmt("%.0f", mt + 4) +
           "\" font-size=\"10\" text-anchor=\"end\">" + detail::fmt("%.4g", y1) + "</text>";
    out += "<text x=\"" + detail::fmt("%.0f", ml - 4) + "\" y=\"" + detail::fmt("%.0f", mt + ph) +
           "\" font-size=\"10\" text-anchor=\"end\">" + detail::fmt("%.4g", y0) + "</text>";
    out += "<text x=\"" + detail::fmt("%.0f", ml) + "\" y=\"" + std::to_string(height - 4) + "\" font-size=\"10\">step " +
           detail::fmt("%.0f", x0) + "</text>";
    out += "<text x=\"" + detail::fmt("%.0f", ml + pw) + "\" y=\"" + std::to_string(height - 4) +
           "\" font-size=\"10\" text-anchor=\"end\">" + detail::fmt("%.0f", x1) + "</text>";
    out += "<text x=\"" + detail::fmt("%.0f", ml + pw / 2) + "\" y=\"12\" font-size=\"12\" text-anchor=\"middle\">" +
           detail::html_escape(key) + "</text>";
    out += "</svg></figure>\n";
  }
  return out;
}

class ResultsPage {
 public:
  ResultsPage(std::string web_dir, HtmlOptions o = {}) : dir_(std::move(web_dir)), o_(std::move(o)) {
    io::make_folders(images_dir(), "html page");
  }
  std::string web_dir() const { return dir_; }
  std::string images_dir() const { return (std::filesystem::path(dir_) / "images").string(); }
  std::string index_path() const { return (std::filesystem::path(dir_) / "index.html").string(); }

  // The file name a visual gets ("epoch003_iter00001200_synthesized_image.png"); step < 0 for
  // per-epoch results as pix2pixHD names them ("epoch003_real_image.png").
  static std::string image_name(int64_t epoch, int64_t step, const std::string& name) {
    GANLIB_CHECK(!name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                 }), "results page: visual name '", name, "' must be letters, digits, '_' or '-'");
    GANLIB_CHECK(epoch >= 0, "results page: negative epoch ", epoch);
    char b[64];
    if (step >= 0) std::snprintf(b, sizeof b, "epoch%03lld_iter%08lld_", (long long)epoch, (long long)step);
    else std::snprintf(b, sizeof b, "epoch%03lld_", (long long)epoch);
    return b + name + ".png";
  }

  // Saves the visuals and rewrites the page.
  void add_results(int64_t epoch, int64_t step, const std::vector<std::pair<std::string, io::Image>>& visuals) {
    for (auto& [name, img] : visuals) {
      io::write_png((std::filesystem::path(images_dir()) / image_name(epoch, step, name)).string(), img);
      if (std::find(order_.begin(), order_.end(), name) == order_.end()) order_.push_back(name);
    }
    write();
  }

  // The page as text, from the files in images/ and the scalar log.
  std::string html() const {
    using detail::html_escape;
    // (epoch, step) → [(visual name, file)]
    std::map<std::pair<int64_t, int64_t>, std::vector<std::pair<std::string, std::string>>> groups;
    static const std::regex pat(R"(epoch(\d+)(?:_iter(\d+))?_([A-Za-z0-9_-]+)\.(png|jpg))");
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(images_dir(), ec)) {
      const std::string f = e.path().filename().string();
      std::smatch m;
      if (!std::regex_match(f, m, pat)) continue;
      const int64_t ep = std::stoll(m[1].str()), st = m[2].matched ? std::stoll(m[2].str()) : -1;
      groups[{ep, st}].emplace_back(m[3].str(), f);
    }
    std::string h = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n";
    if (o_.refresh_seconds > 0)
      h += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(o_.refresh_seconds) + "\">\n";
    h += "<title>" + html_escape(o_.title) + "</title>\n";
    h += "<style>body{font-family:sans-serif;margin:1em}td{text-align:center;vertical-align:top;padding:4px}"
         "figure.curve{display:inline-block;margin:4px}p.caption{margin:2px;font-size:90%}</style>\n";
    h += "</head>\n<body>\n<h1>" + html_escape(o_.title) + "</h1>\n";
    h += "<p id=\"image-status\"></p>\n";
    if (!o_.scalar_log.empty()) {
      const std::string curves = loss_curves_svg(read_scalar_log(o_.scalar_log), o_.max_curve_points);
      if (!curves.empty()) h += "<h2>Losses</h2>\n<div id=\"curves\">\n" + curves + "</div>\n";
    }
    for (auto it = groups.rbegin(); it != groups.rend(); ++it) {  // newest first
      auto [key, files] = *it;
      const auto [ep, st] = key;
      std::sort(files.begin(), files.end(), [&](auto& a, auto& b) { return rank(a.first) < rank(b.first); });
      h += "<h3>epoch [" + std::to_string(ep) + "]" + (st >= 0 ? " step [" + std::to_string(st) + "]" : "") + "</h3>\n";
      h += "<table border=\"1\" style=\"table-layout: fixed;\">\n<tr>\n";
      for (auto& [name, file] : files) {
        const std::string src = "images/" + file;
        h += "<td halign=\"center\" style=\"word-wrap: break-word;\" valign=\"top\">"
             "<a href=\"" + html_escape(src) + "\"><img style=\"width:" + std::to_string(o_.image_width) +
             "px\" src=\"" + html_escape(src) + "\" alt=\"" + html_escape(name) + "\"></a>"
             "<p class=\"caption\">" + html_escape(name) + "</p></td>\n";
      }
      h += "</tr>\n</table>\n";
    }
    h += "<script>\nwindow.addEventListener('load', function () {\n"
         "  var imgs = document.images, ok = 0;\n"
         "  for (var i = 0; i < imgs.length; ++i) {\n"
         "    var good = imgs[i].complete && imgs[i].naturalWidth > 0;\n"
         "    imgs[i].setAttribute('data-loaded', good ? '1' : '0');\n"
         "    if (good) ++ok;\n"
         "  }\n"
         "  var s = document.getElementById('image-status');\n"
         "  s.setAttribute('data-loaded-count', ok);\n"
         "  s.setAttribute('data-image-count', imgs.length);\n"
         "  s.textContent = ok + ' of ' + imgs.length + ' images loaded';\n"
         "});\n</script>\n</body>\n</html>\n";
    return h;
  }

  // Rewrites index.html atomically.
  void write() const { io::write_file_atomic(index_path(), html()); }

 private:
  // Visual order: as first given to add_results in this run, then alphabetical.
  std::pair<size_t, std::string> rank(const std::string& name) const {
    const auto it = std::find(order_.begin(), order_.end(), name);
    return {size_t(it - order_.begin()), name};
  }

  std::string dir_;
  HtmlOptions o_;
  std::vector<std::string> order_;
};

}  // namespace ganlib::train

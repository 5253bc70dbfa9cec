// zoo/masknet/segment.hpp — frames in, training sets out: segments an image or a folder of
// frames and writes label maps (8-bit PNG, Cityscapes ids) and instance maps (16-bit PNG,
// class·1000 + k / label id) next to the frames, in pix2pixHD's layout (<out>/<phase>_label,
// <phase>_inst, <phase>_img) or vid2vid's (<out>/<phase>_A/<seq>, <phase>_inst/<seq>,
// <phase>_B/<seq>), so that a raw video's frames become a dataset those loaders read as is.
// Contract: outputs keep each frame's path relative to the input folder (its stem, .png); the
// frame itself is copied (or symlinked) unchanged, or written as PNG when it was resized, so
// label, instance and image always have one size. In the vid2vid layout a frame's folder
// (relative to the input) is its sequence; frames directly in the input folder form one
// sequence named after that folder. Instance ids are per frame (not tracked over time).
#pragma once
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "train.hpp"

namespace ganlib::zoo::masknet {

enum class Layout { pix2pixhd, vid2vid };

inline Layout parse_layout(const std::string& s) {
  if (s == "pix2pixhd") return Layout::pix2pixhd;
  if (s == "vid2vid") return Layout::vid2vid;
  ganlib::detail::fail("masknet_segment: unknown layout \"", s, "\" (pix2pixhd or vid2vid)");
}

struct SegmentOptions {
  std::string input;             // an image file or a folder of frames (searched recursively)
  std::string out;               // dataset root to write
  std::string phase = "test";
  Layout layout = Layout::pix2pixhd;
  int width = 0, height = 0;     // > 0: resize frames to this before segmenting (both or neither)
  bool link_images = false;      // symlink the frames instead of copying them
  PostprocessOptions post;
};

struct SegmentReport {
  int64_t frames = 0;
  std::vector<std::string> label_files, inst_files, image_files;
};

inline io::Image labels_to_png8(const std::vector<int32_t>& l, int w, int h) {
  io::Image img;
  img.width = w, img.height = h, img.channels = 1;
  img.data.resize(l.size());
  for (size_t i = 0; i < l.size(); ++i) {
    GANLIB_CHECK(l[i] >= 0 && l[i] <= 255, "masknet_segment: label id ", l[i], " does not fit an 8-bit label PNG");
    img.data[i] = uint8_t(l[i]);
  }
  return img;
}
inline io::Image16 inst_to_png16(const std::vector<int32_t>& v, int w, int h) {
  io::Image16 img;
  img.width = w, img.height = h, img.channels = 1;
  img.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    GANLIB_CHECK(v[i] >= 0 && v[i] <= 65535, "masknet_segment: instance id ", v[i], " does not fit a 16-bit PNG");
    img.data[i] = uint16_t(v[i]);
  }
  return img;
}

inline SegmentReport segment_frames(Net& net, const SegmentOptions& o, std::ostream* progress = nullptr) {
  namespace fs = std::filesystem;
  const std::string who = "masknet_segment";
  std::error_code ec;
  GANLIB_CHECK(!o.input.empty() && fs::exists(o.input, ec), who, ": input '", o.input, "' does not exist");
  GANLIB_CHECK(!o.out.empty(), who, ": no output folder given");
  GANLIB_CHECK((o.width > 0) == (o.height > 0) && o.width >= 0 && o.height >= 0, who, ": give both --width and --height "
               "(or neither), got ", o.width, " x ", o.height);
  fs::path root;
  std::vector<std::string> files;
  if (fs::is_directory(o.input, ec)) {
    root = fs::path(o.input);
    files = data::list_images(o.input, who);
    GANLIB_CHECK(!files.empty(), who, ": '", o.input, "' holds no images (png, jpg, jpeg, ppm, pgm, bmp)");
  } else {
    GANLIB_CHECK(data::is_image_file(o.input), who, ": '", o.input, "' is neither a folder nor an image file "
                 "(png, jpg, jpeg, ppm, pgm, bmp)");
    root = fs::path(o.input).parent_path();
    files = {o.input};
  }
  const std::string root_name = fs::absolute(root).lexically_normal().filename().string();
  const bool vid = o.layout == Layout::vid2vid;
  const fs::path out(o.out);
  const fs::path d_label = out / (o.phase + (vid ? "_A" : "_label")), d_inst = out / (o.phase + "_inst"),
                 d_img = out / (o.phase + (vid ? "_B" : "_img"));
  SegmentReport rep;
  for (const auto& file : files) {
    const fs::path rel = fs::path(file).lexically_relative(root);
    fs::path sub = rel.parent_path();
    if (vid && sub.empty()) sub = root_name.empty() ? "seq_00000" : root_name;
    const std::string stem = rel.stem().string();
    io::Image img = io::read_image(file, 3);
    TensorF x = unsqueeze(io::image_to_tensor<float, cpu>(img), 0);
    const bool resized = o.width > 0 && (o.width != img.width || o.height != img.height);
    if (resized) {
      x = upsample2d_to(x, Int2(o.height, o.width), UpsampleMode::bilinear);
      img = io::tensor_to_image(x.select(0, 0));
    }
    const auto res = segment(net, x, o.post)[0].panoptic;
    for (const auto& d : {d_label, d_inst, d_img}) io::make_folders((d / sub).string(), "masknet_segment");
    const std::string lp = (d_label / sub / (stem + ".png")).string(), ip = (d_inst / sub / (stem + ".png")).string();
    io::write_png(lp, labels_to_png8(res.label, res.width, res.height));
    io::write_png(ip, inst_to_png16(res.inst, res.width, res.height));
    std::string mp;
    if (resized) {
      mp = (d_img / sub / (stem + ".png")).string();
      io::write_png(mp, img);
    } else {
      mp = (d_img / sub / rel.filename()).string();
      fs::remove(mp, ec);
      if (o.link_images) fs::create_symlink(fs::absolute(file), mp);
      else fs::copy_file(file, mp, fs::copy_options::overwrite_existing);
    }
    rep.label_files.push_back(lp), rep.inst_files.push_back(ip), rep.image_files.push_back(mp);
    ++rep.frames;
    if (progress && (rep.frames % 20 == 0 || rep.frames == int64_t(files.size())))
      *progress << "segmented " << rep.frames << "/" << files.size() << " frames\n" << std::flush;
  }
  return rep;
}

}  // namespace ganlib::zoo::masknet

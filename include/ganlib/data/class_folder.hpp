// data/class_folder.hpp — an image-per-file dataset with one folder per class
// (<root>/<class_name>/*.png|jpg, torchvision's ImageFolder), as BigGAN-PyTorch reads ImageNet.
// Contract: classes are the sorted sub-folder names (class i = the i-th); an empty dataset, an
// empty class folder or an unreadable file is a ganlib::Error naming the folder or file.
// get() returns "image" [C,H,W] in [-1,1] and "label" (a 0-d tensor holding the class index).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "../io/image.hpp"
#include "dataset.hpp"
#include "transforms.hpp"

namespace ganlib::data {

struct ClassFolderOptions {
  std::string root;
  int channels = 3;        // 1 (grey) or 3 (RGB); files are converted on reading
  int image_size = 0;      // > 0: crop the centred square of the short side, then resize to it
                           // (BigGAN's CenterCropLongEdge + Resize); 0 keeps the stored size
  Resample resample = Resample::bilinear;  // torchvision Resize's default (PIL BILINEAR)
  bool flip = false;       // random horizontal flip
};

template <class T = float>
class ClassFolderDataset : public Dataset<T> {
 public:
  explicit ClassFolderDataset(ClassFolderOptions o) : o_(std::move(o)) {
    const std::string who = "class-folder dataset";
    GANLIB_CHECK(o_.channels == 1 || o_.channels == 3, who, ": channels must be 1 or 3, got ", o_.channels);
    GANLIB_CHECK(o_.image_size >= 0, who, ": image_size must be >= 0, got ", o_.image_size);
    classes_ = list_subfolders(o_.root, who);
    GANLIB_CHECK(!classes_.empty(), who, ": '", o_.root, "' has no class sub-folders (expected "
                 "<root>/<class_name>/<image files>)");
    for (size_t c = 0; c < classes_.size(); ++c) {
      const std::string dir = (std::filesystem::path(o_.root) / classes_[c]).string();
      const auto files = list_images(dir, who);
      GANLIB_CHECK(!files.empty(), who, ": class folder '", dir, "' holds no images (png, jpg, "
                   "jpeg, ppm, pgm, bmp)");
      for (auto& f : files) items_.push_back({f, int(c)});
    }
  }

  int64_t size() const override { return int64_t(items_.size()); }
  std::string describe() const override {
    return "class-folder dataset '" + o_.root + "' (" + std::to_string(classes_.size()) + " classes, " +
           std::to_string(size()) + " images)";
  }
  const std::vector<std::string>& classes() const { return classes_; }
  int label_of(int64_t index) const { return items_.at(size_t(index)).label; }
  const std::string& path_of(int64_t index) const { return items_.at(size_t(index)).path; }

  Sample<T> get(int64_t index, SampleRng& rng) const override {
    this->check_index(index);
    const Item& it = items_[size_t(index)];
    io::Image img;
    try {
      img = io::read_image(it.path, o_.channels);
    } catch (const Error& e) {
      ganlib::detail::fail("class-folder dataset: cannot read item ", index, " (class '",
                           classes_[size_t(it.label)], "'): ", e.what());
    }
    if (o_.image_size > 0) {
      const int side = std::min(img.width, img.height);
      img = crop(img, (img.width - side) / 2, (img.height - side) / 2, side, side);
      if (side != o_.image_size) img = resize(img, o_.image_size, o_.image_size, o_.resample);
    }
    const bool flip = rng.uniform() > 0.5;
    if (o_.flip && flip) img = hflip(std::move(img));
    Sample<T> s;
    s.index = index;
    s.path = it.path;
    s.tensors["image"] = to_tensor<T>(img);
    s.tensors["label"] = from_vector<T, cpu>({T(it.label)}, Shape{});
    return s;
  }

 private:
  struct Item {
    std::string path;
    int label;
  };
  ClassFolderOptions o_;
  std::vector<std::string> classes_;
  std::vector<Item> items_;
};

}  // namespace ganlib::data

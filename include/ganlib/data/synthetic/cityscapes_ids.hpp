// data/synthetic/cityscapes_ids.hpp — Cityscapes label ids (the *labelId* convention, 0…33) and
// the 35-entry colour palette pix2pixHD uses to colourise label maps (util/util.py, labelcolormap).
// Contract: facts only; names and colours as in cityscapesScripts' labels.py.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace ganlib::cityscapes {

enum Id : uint8_t {
  unlabeled = 0,
  ego_vehicle = 1,
  rectification_border = 2,
  out_of_roi = 3,
  static_ = 4,
  dynamic = 5,
  ground = 6,
  road = 7,
  sidewalk = 8,
  parking = 9,
  rail_track = 10,
  building = 11,
  wall = 12,
  fence = 13,
  guard_rail = 14,
  bridge = 15,
  tunnel = 16,
  pole = 17,
  polegroup = 18,
  traffic_light = 19,
  traffic_sign = 20,
  vegetation = 21,
  terrain = 22,
  sky = 23,
  person = 24,
  rider = 25,
  car = 26,
  truck = 27,
  bus = 28,
  caravan = 29,
  trailer = 30,
  train = 31,
  motorcycle = 32,
  bicycle = 33,
};
constexpr int num_label_ids = 34;  // ids 0…33; pix2pixHD's label_nc = 35 leaves room for id 34
constexpr int label_nc = 35;

// Classes with instances ("hasInstances" in labels.py): their instance ids are id·1000 + k.
constexpr bool has_instances(int id) { return id >= person && id <= bicycle; }

// Training ids (255 = ignored in evaluation), indexed by label id 0…33.
constexpr std::array<uint8_t, 34> train_id = {255, 255, 255, 255, 255, 255, 255, 0,   1,   255, 255, 2,
                                              3,   4,   255, 255, 255, 5,   255, 6,   7,   8,   9,   10,
                                              11,  12,  13,  14,  15,  255, 255, 16,  17,  18};

// pix2pixHD's labelcolormap(35): entry i colours label id i; entry 34 is the licence-plate colour.
constexpr std::array<std::array<uint8_t, 3>, 35> palette = {{
    {0, 0, 0},       {0, 0, 0},       {0, 0, 0},       {0, 0, 0},       {0, 0, 0},
    {111, 74, 0},    {81, 0, 81},     {128, 64, 128},  {244, 35, 232},  {250, 170, 160},
    {230, 150, 140}, {70, 70, 70},    {102, 102, 156}, {190, 153, 153}, {180, 165, 180},
    {150, 100, 100}, {150, 120, 90},  {153, 153, 153}, {153, 153, 153}, {250, 170, 30},
    {220, 220, 0},   {107, 142, 35},  {152, 251, 152}, {70, 130, 180},  {220, 20, 60},
    {255, 0, 0},     {0, 0, 142},     {0, 0, 70},      {0, 60, 100},    {0, 0, 90},
    {0, 0, 110},     {0, 80, 100},    {0, 0, 230},     {119, 11, 32},   {0, 0, 142},
}};

constexpr const char* names[34] = {
    "unlabeled", "ego vehicle", "rectification border", "out of roi", "static", "dynamic", "ground",
    "road", "sidewalk", "parking", "rail track", "building", "wall", "fence", "guard rail", "bridge",
    "tunnel", "pole", "polegroup", "traffic light", "traffic sign", "vegetation", "terrain", "sky",
    "person", "rider", "car", "truck", "bus", "caravan", "trailer", "train", "motorcycle", "bicycle"};

// Colourises a label map (h·w ids) into h·w·3 RGB bytes; ids ≥ 35 become black.
inline std::vector<uint8_t> colorize(const std::vector<uint8_t>& labels) {
  std::vector<uint8_t> out(labels.size() * 3, 0);
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < palette.size())
      for (int c = 0; c < 3; ++c) out[i * 3 + size_t(c)] = palette[labels[i]][size_t(c)];
  return out;
}

}  // namespace ganlib::cityscapes

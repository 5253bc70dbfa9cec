// data.hpp — datasets in the reference layouts, transforms, and the prefetching loader.
// Contract: a convenience umbrella; each data/ header can be included alone. The synthetic
// generators (data/synthetic/) are separate: include them where test data is made.
#pragma once
#include "data/class_folder.hpp"
#include "data/dataset.hpp"
#include "data/fashion_mnist.hpp"
#include "data/loader.hpp"
#include "data/pix2pixhd_dataset.hpp"
#include "data/transforms.hpp"
#include "data/vid2vid_dataset.hpp"

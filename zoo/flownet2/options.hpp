// zoo/flownet2/options.hpp — the FlowNet2 programs' command-line flags: train/flags.hpp's parser.
#pragma once
#include "ganlib/train/flags.hpp"

namespace ganlib::zoo::flownet2 {

using Flags = ganlib::train::Flags;

}  // namespace ganlib::zoo::flownet2

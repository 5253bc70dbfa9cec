// train.hpp — what every trainer shares: progress line, scalar logs, sample grids, the HTML
// results page, checkpoint rotation and resume, and the stop-signal flag.
// Contract: a convenience umbrella; each train/ header can be included alone.
#pragma once
#include "train/checkpoint.hpp"
#include "train/flags.hpp"
#include "train/grid.hpp"
#include "train/html.hpp"
#include "train/log.hpp"
#include "train/progress.hpp"
#include "train/stop_signal.hpp"

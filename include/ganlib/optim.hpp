// optim.hpp — optimizers (Adam, SGD), learning-rate schedules, EMA of weights, gradient
// clipping and accumulation, BigGAN's orthogonal regularisation.
// Contract: a convenience umbrella; each optim/ header can be included alone.
#pragma once
#include "optim/adam.hpp"
#include "optim/clip.hpp"
#include "optim/ema.hpp"
#include "optim/optimizer.hpp"
#include "optim/ortho_reg.hpp"
#include "optim/schedule.hpp"
#include "optim/sgd.hpp"

// nn.hpp — every module: the Module base, layers, spectral norm, attention, initialisers.
// Contract: a convenience umbrella; each nn/ header can be included alone.
#pragma once
#include "nn/activation.hpp"
#include "nn/attention.hpp"
#include "nn/conv.hpp"
#include "nn/embedding.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/module.hpp"
#include "nn/norm.hpp"
#include "nn/padding.hpp"
#include "nn/sequential.hpp"
#include "nn/spectral_norm.hpp"

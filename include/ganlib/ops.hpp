// ops.hpp — every differentiable op, with autograd. Include this (or ganlib.hpp) to use
// tensors; the per-family headers under ops/ can be included alone too.
#pragma once
#include "autograd/engine.hpp"
#include "ops/elementwise.hpp"
#include "ops/factory.hpp"
#include "ops/linear.hpp"
#include "ops/reduce.hpp"
#include "ops/view.hpp"

// amp.hpp — mixed-precision training: autocast scopes and dynamic loss scaling.
#pragma once
#include "amp/autocast.hpp"
#include "amp/grad_scaler.hpp"

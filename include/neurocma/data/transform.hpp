// Image downscaling and feature standardisation.
#pragma once
#include "neurocma/core/types.hpp"
#include "neurocma/data/dataset.hpp"

namespace neurocma {

// Average-pools square images stored one per column (side*side rows, row-major
// pixels) by `factor` in each direction (1 = copy). Throws ConfigError when
// side is not divisible by factor.
// For factor 2 on 28x28 this equals bilinear resizing to 14x14 without corner
// alignment or antialiasing (torch interpolate; torchvision Resize applied to
// tensors with antialias=False). PIL's bilinear resize, used by torchvision
// Resize on PIL images, antialiases and differs (see docs/data.md).
Matrix average_pool(const Matrix& images, int side, int factor = 2);

// Per-feature mean and (population) standard deviation fitted on one data set
// (the training split) and applied to others. Features with zero spread are
// left centred.
struct Standardizer {
  Vector mean, stddev;
  static Standardizer fit(const Matrix& X);
  void apply(Matrix& X) const;
};

}  // namespace neurocma

// In-memory labelled data sets. Features are stored column-wise: X is
// (features x samples), so a mini-batch is a block of columns and a dense
// layer is W * X.
#pragma once
#include <string>
#include <vector>

#include "neurocma/core/types.hpp"

namespace neurocma {

struct Dataset {
  std::string name;    // e.g. "iris", "mnist"
  Matrix X;            // features x samples
  std::vector<int> y;  // one class label in [0, num_classes) per sample
  int num_classes = 0;

  Index size() const { return X.cols(); }
  Index features() const { return X.rows(); }
  // Copy of the samples with the given indices, in that order.
  Dataset subset(const std::vector<Index>& idx) const;
};

struct Splits {
  Dataset train, val, test;
};

}  // namespace neurocma

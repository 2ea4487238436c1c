// Seeded data splits. A split depends only on the data seed, so every optimizer
// in run i sees the same samples.
#pragma once
#include <vector>

#include "neurocma/core/rng.hpp"
#include "neurocma/data/dataset.hpp"

namespace neurocma {

struct SplitIndices {
  std::vector<Index> train, val, test;
};

// Stratified split by ratios (train, val, test summing to 1): each class is
// shuffled and divided in the same proportions. Disjoint and covering.
SplitIndices stratified_split(const std::vector<int>& labels, int num_classes, double train_ratio,
                              double val_ratio, Rng& rng);

// Plain random split by ratios (the study's torch random_split semantics:
// floor of each ratio times n, remainder distributed round-robin).
SplitIndices random_split(Index n, double train_ratio, double val_ratio, Rng& rng);

// Random validation hold-out of val_count samples from a training set.
SplitIndices holdout_split(Index n, Index val_count, Rng& rng);

}  // namespace neurocma

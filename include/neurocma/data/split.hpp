// Seeded data splits. A split depends only on the data seed, so every optimizer
// in run i sees the same samples.
#pragma once
#include <cstdint>
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

// The earlier study's split, index for index: scikit-learn's
// train_test_split(X, y, test_size=test/(train+val+test), stratify=y,
// random_state=seed), then the same on the rest with test_size=val/(train+val)
// for the validation set (sklearn's StratifiedShuffleSplit with numpy's legacy
// RandomState(seed), scikit-learn 1.2). seed must be below 2^32. Throws
// ConfigError when a class has fewer than 2 samples or a part would hold
// fewer samples than there are classes, as sklearn does.
SplitIndices sklearn_split(const std::vector<int>& labels, double train_ratio, double val_ratio,
                           double test_ratio, std::uint64_t seed);

// Random validation hold-out of val_count samples from a training set.
SplitIndices holdout_split(Index n, Index val_count, Rng& rng);

}  // namespace neurocma

// Seeded train/validation/test splits. Every split is a pure function of the
// labels (or the sample count) and the Rng passed in.
#include "neurocma/data/split.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "neurocma/core/error.hpp"

namespace neurocma {
namespace {

void check_ratios(double train_ratio, double val_ratio) {
  const bool ok = train_ratio >= 0.0 && val_ratio >= 0.0 && train_ratio <= 1.0 &&
                  val_ratio <= 1.0 && train_ratio + val_ratio <= 1.0 + 1e-9;
  if (!ok)
    throw ConfigError("split ratios: train " + std::to_string(train_ratio) + " and val " +
                      std::to_string(val_ratio) + " must be in [0, 1] with sum <= 1");
}

// floor(ratio * n), tolerant of ratios like 1 - 0.6 - 0.2 = 0.19999999999999996.
Index floor_count(double ratio, Index n) {
  return static_cast<Index>(std::floor(ratio * static_cast<double>(n) + 1e-9));
}

std::vector<Index> permutation(Index n, Rng& rng) {
  std::vector<Index> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), Index{0});
  shuffle(p.begin(), p.end(), rng);
  return p;
}

}  // namespace

SplitIndices stratified_split(const std::vector<int>& labels, int num_classes, double train_ratio,
                              double val_ratio, Rng& rng) {
  check_ratios(train_ratio, val_ratio);
  if (num_classes <= 0)
    throw ConfigError("stratified_split: num_classes " + std::to_string(num_classes) +
                      " must be positive");
  std::vector<std::vector<Index>> by_class(static_cast<std::size_t>(num_classes));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int c = labels[i];
    if (c < 0 || c >= num_classes)
      throw RuntimeError("stratified_split: label " + std::to_string(c) + " of sample " +
                         std::to_string(i) + " outside [0, " + std::to_string(num_classes) + ")");
    by_class[static_cast<std::size_t>(c)].push_back(static_cast<Index>(i));
  }
  SplitIndices out;
  for (auto& members : by_class) {
    shuffle(members.begin(), members.end(), rng);
    const Index n = static_cast<Index>(members.size());
    // Rounded per-class counts: 50 Iris samples at 0.6/0.2 give 30/10/10.
    Index n_train = std::llround(train_ratio * static_cast<double>(n));
    Index n_val = std::llround(val_ratio * static_cast<double>(n));
    if (n_train > n) n_train = n;
    if (n_train + n_val > n) n_val = n - n_train;
    out.train.insert(out.train.end(), members.begin(), members.begin() + n_train);
    out.val.insert(out.val.end(), members.begin() + n_train, members.begin() + n_train + n_val);
    out.test.insert(out.test.end(), members.begin() + n_train + n_val, members.end());
  }
  // Mix the classes so that the first samples of a split are not all one class.
  shuffle(out.train.begin(), out.train.end(), rng);
  shuffle(out.val.begin(), out.val.end(), rng);
  shuffle(out.test.begin(), out.test.end(), rng);
  return out;
}

SplitIndices random_split(Index n, double train_ratio, double val_ratio, Rng& rng) {
  check_ratios(train_ratio, val_ratio);
  if (n < 0) throw ConfigError("random_split: negative sample count " + std::to_string(n));
  // torch.utils.data.random_split with fractions: floor each length, then hand
  // the remainder out one at a time starting with the first subset.
  Index len[3] = {floor_count(train_ratio, n), floor_count(val_ratio, n),
                  floor_count(std::max(0.0, 1.0 - train_ratio - val_ratio), n)};
  Index remainder = n - (len[0] + len[1] + len[2]);
  for (int i = 0; remainder > 0; i = (i + 1) % 3, --remainder) ++len[i];
  const std::vector<Index> p = permutation(n, rng);
  SplitIndices out;
  out.train.assign(p.begin(), p.begin() + len[0]);
  out.val.assign(p.begin() + len[0], p.begin() + len[0] + len[1]);
  out.test.assign(p.begin() + len[0] + len[1], p.end());
  return out;
}

SplitIndices holdout_split(Index n, Index val_count, Rng& rng) {
  if (val_count < 0 || val_count > n)
    throw ConfigError("holdout_split: val_size " + std::to_string(val_count) + " must be in [0, " +
                      std::to_string(n) + "]");
  const std::vector<Index> p = permutation(n, rng);
  SplitIndices out;
  out.val.assign(p.begin(), p.begin() + val_count);
  out.train.assign(p.begin() + val_count, p.end());
  return out;
}

}  // namespace neurocma

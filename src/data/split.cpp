// Seeded train/validation/test splits. Every split is a pure function of the
// labels (or the sample count) and the Rng passed in.
#include "neurocma/data/split.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
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

namespace {

// numpy's legacy RandomState: MT19937 seeded by init_genrand(seed) (what
// RandomState(int) does), with the bounded integers and shuffle of its legacy API.
class NumpyLegacyRandom {
 public:
  explicit NumpyLegacyRandom(std::uint32_t seed) : m_mt(seed) {}
  // random_interval(): a masked draw in [0, max], rejecting values above max.
  std::uint64_t interval(std::uint64_t max) {
    if (max == 0) return 0;
    std::uint64_t mask = max;
    for (int s = 1; s <= 32; s *= 2) mask |= mask >> s;
    std::uint64_t v = 0;
    if (max <= 0xffffffffULL) {
      do v = static_cast<std::uint64_t>(m_mt()) & mask;
      while (v > max);
    } else {
      do v = ((static_cast<std::uint64_t>(m_mt()) << 32) | m_mt()) & mask;
      while (v > max);
    }
    return v;
  }
  // RandomState.shuffle of a 1-d array (Fisher-Yates from the end).
  template <class T>
  void shuffle(std::vector<T>& x) {
    for (std::size_t i = x.size(); i-- > 1;) std::swap(x[i], x[interval(i)]);
  }
  std::vector<Index> permutation(Index n) {
    std::vector<Index> p(static_cast<std::size_t>(n));
    std::iota(p.begin(), p.end(), Index{0});
    shuffle(p);
    return p;
  }

 private:
  std::mt19937 m_mt;
};

// sklearn.model_selection._split._approximate_mode: class counts of n_draws
// samples, ties in the rounding broken by the generator.
std::vector<Index> approximate_mode(const std::vector<Index>& counts, Index n_draws,
                                    NumpyLegacyRandom& rng) {
  double total = 0.0;
  for (Index c : counts) total += static_cast<double>(c);
  std::vector<double> cont(counts.size()), floored(counts.size());
  double floored_sum = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    cont[i] = static_cast<double>(counts[i]) / total * static_cast<double>(n_draws);
    floored[i] = std::floor(cont[i]);
    floored_sum += floored[i];
  }
  Index need = static_cast<Index>(static_cast<double>(n_draws) - floored_sum);
  if (need > 0) {
    std::vector<double> rem(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i) rem[i] = cont[i] - floored[i];
    std::vector<double> values = rem;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    for (auto v = values.rbegin(); v != values.rend() && need > 0; ++v) {
      std::vector<Index> inds;
      for (std::size_t i = 0; i < rem.size(); ++i)
        if (rem[i] == *v) inds.push_back(static_cast<Index>(i));
      const Index add = std::min<Index>(static_cast<Index>(inds.size()), need);
      // rng.choice(inds, add, replace=False) = inds[permutation(len(inds))[:add]]
      const std::vector<Index> perm = rng.permutation(static_cast<Index>(inds.size()));
      for (Index k = 0; k < add; ++k)
        floored[static_cast<std::size_t>(
            inds[static_cast<std::size_t>(perm[static_cast<std::size_t>(k)])])] += 1.0;
      need -= add;
    }
  }
  std::vector<Index> out(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) out[i] = static_cast<Index>(floored[i]);
  return out;
}

// One train_test_split(..., test_size=test_fraction, stratify=labels, random_state=seed):
// positions into `labels` for the train and the test part, in sklearn's order.
std::pair<std::vector<Index>, std::vector<Index>> sklearn_train_test(const std::vector<int>& labels,
                                                                     double test_fraction,
                                                                     std::uint32_t seed) {
  const Index n = static_cast<Index>(labels.size());
  // _validate_shuffle_split: n_test = ceil(test_size * n), n_train = n - n_test.
  const Index n_test = static_cast<Index>(std::ceil(test_fraction * static_cast<double>(n)));
  const Index n_train = n - n_test;
  std::map<int, std::vector<Index>> by_class;  // np.unique: classes sorted
  for (Index i = 0; i < n; ++i) by_class[labels[static_cast<std::size_t>(i)]].push_back(i);
  std::vector<std::vector<Index>> members;
  std::vector<Index> counts;
  for (auto& [label, idx] : by_class) {
    if (idx.size() < 2)
      throw ConfigError("sklearn split: class " + std::to_string(label) +
                        " has fewer than 2 samples");
    counts.push_back(static_cast<Index>(idx.size()));
    members.push_back(std::move(idx));
  }
  const Index classes = static_cast<Index>(counts.size());
  if (n_train < classes || n_test < classes)
    throw ConfigError("sklearn split: " + std::to_string(n_train) + " training and " +
                      std::to_string(n_test) + " held-out samples, expected at least " +
                      std::to_string(classes) + " (the number of classes) each");
  NumpyLegacyRandom rng(static_cast<std::uint32_t>(seed));
  const std::vector<Index> n_i = approximate_mode(counts, n_train, rng);
  std::vector<Index> remaining(counts.size());
  for (std::size_t c = 0; c < counts.size(); ++c) remaining[c] = counts[c] - n_i[c];
  const std::vector<Index> t_i = approximate_mode(remaining, n_test, rng);
  std::vector<Index> train, test;
  for (std::size_t c = 0; c < members.size(); ++c) {
    const std::vector<Index> perm = rng.permutation(counts[c]);
    for (Index k = 0; k < n_i[c] + t_i[c]; ++k) {
      const Index idx = members[c][static_cast<std::size_t>(perm[static_cast<std::size_t>(k)])];
      (k < n_i[c] ? train : test).push_back(idx);
    }
  }
  rng.shuffle(train);
  rng.shuffle(test);
  return {std::move(train), std::move(test)};
}

}  // namespace

SplitIndices sklearn_split(const std::vector<int>& labels, double train_ratio, double val_ratio,
                           double test_ratio, std::uint64_t seed) {
  if (seed > 0xffffffffULL)
    throw ConfigError("sklearn split: seed " + std::to_string(seed) +
                      " must be below 2^32 (numpy's RandomState)");
  if (!(train_ratio > 0) || !(val_ratio > 0) || !(test_ratio > 0))
    throw ConfigError("sklearn split: the three ratios must be positive");
  // The study: test_size = r[2] / sum(r), then r[1] / sum(r[:2]), Python's left-to-right sums.
  const double test = test_ratio / (((0.0 + train_ratio) + val_ratio) + test_ratio);
  const double val = val_ratio / ((0.0 + train_ratio) + val_ratio);
  const std::uint32_t s = static_cast<std::uint32_t>(seed);
  auto [trainval, test_idx] = sklearn_train_test(labels, test, s);
  std::vector<int> tv_labels;
  tv_labels.reserve(trainval.size());
  for (Index i : trainval) tv_labels.push_back(labels[static_cast<std::size_t>(i)]);
  auto [train_pos, val_pos] = sklearn_train_test(tv_labels, val, s);
  SplitIndices out;
  for (Index p : train_pos) out.train.push_back(trainval[static_cast<std::size_t>(p)]);
  for (Index p : val_pos) out.val.push_back(trainval[static_cast<std::size_t>(p)]);
  out.test = std::move(test_idx);
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

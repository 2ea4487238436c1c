// Comparison of k groups (optimizers) on one metric: descriptive statistics,
// pairwise Mann-Whitney U tests, Holm correction, Vargha-Delaney A12 and the
// set of "best" groups.
#pragma once
#include <string>
#include <vector>

#include "neurocma/core/types.hpp"
#include "neurocma/stats/mann_whitney.hpp"
#include "neurocma/stats/summary.hpp"

namespace neurocma {

enum class Better { kLower, kHigher };  // which direction of a metric is better
enum class Correction { kNone, kHolm };

std::string to_string(Correction c);
Correction parse_correction(const std::string& name);  // "none" | "holm"; ConfigError

struct CompareOptions {
  double alpha = 0.05;
  Correction correction = Correction::kNone;
  std::size_t min_n = 2;  // groups with fewer values get no tests and are never best
};

// All k x k matrices: entry (i, j) compares row group i with column group j;
// NaN on the diagonal and wherever group i or j has fewer than min_n values.
struct GroupComparison {
  std::vector<Summary> summary;  // per group
  std::vector<bool> tested;      // n >= min_n
  Matrix u;                      // U1 of the row sample vs the column sample
  Matrix p_two_sided;            // two-sided p-value, uncorrected
  Matrix p_two_sided_adj;        // after the correction (Holm over the unordered pairs)
  Alternative better_alternative = Alternative::kLess;  // "row better than column"
  Matrix p_better;                                      // one-sided p-value that the row is better
  Matrix p_better_adj;        // after the correction (Holm over the ordered pairs)
  Matrix a12;                 // Vargha-Delaney A12 = P(row > column) + P(tie)/2
  int best = -1;              // tested group with the best mean (-1: none)
  std::vector<bool> is_best;  // best, or not significantly different from it
};

// samples[g] holds the values of group g (no NaN). Best: the tested group
// with the best mean (first on ties); every other tested group whose
// two-sided (adjusted) p-value against it is >= alpha is best too.
GroupComparison compare_groups(const std::vector<std::vector<double>>& samples, Better better,
                               const CompareOptions& opt);

}  // namespace neurocma

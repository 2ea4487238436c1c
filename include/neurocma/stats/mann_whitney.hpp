// Mann-Whitney U rank test for two independent samples, with the semantics of
// SciPy's scipy.stats.mannwhitneyu(method="auto", use_continuity=True).
//   H. B. Mann, D. R. Whitney, Ann. Math. Statist. 18 (1947) 50-60.
//   A. Di Bucchianico, J. Stat. Plan. Inference 79 (1999) 349-364, Thm 2.5
//   (the recurrence for the exact null distribution of U).
#pragma once
#include <string>
#include <vector>

namespace neurocma {

// Alternative hypothesis about x relative to y (SciPy's names).
enum class Alternative {
  kTwoSided,  // the distributions differ
  kLess,      // x is stochastically less than y
  kGreater,   // x is stochastically greater than y
};

std::string to_string(Alternative alt);

struct MannWhitneyResult {
  double u = 0;        // U1: the statistic of x (= rank sum of x - nx(nx+1)/2)
  double p = 1;        // p-value for the chosen alternative, in [0, 1]
  bool exact = false;  // exact null distribution (else normal approximation)
};

// Average ranks (1-based, ties share the mean of their positions), like
// scipy.stats.rankdata(method="average").
std::vector<double> average_ranks(const std::vector<double>& values);

// The test. Exact p-value when min(nx, ny) <= 8 and the pooled sample has no
// ties (SciPy's "auto"), else the normal approximation with tie-corrected
// variance and continuity correction 0.5. Throws ConfigError for an empty
// sample or a NaN value.
MannWhitneyResult mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y,
                                 Alternative alt = Alternative::kTwoSided);

// P(U >= k) under H0 for sample sizes (m, n) without ties (k integer).
double mann_whitney_exact_sf(long long k, int m, int n);

}  // namespace neurocma

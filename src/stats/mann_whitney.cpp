// Mann-Whitney U test; mirrors scipy/stats/_mannwhitneyu.py (SciPy 1.10) so
// that U and p agree with scipy.stats.mannwhitneyu(method="auto").
//   Mann & Whitney (1947); exact distribution: Di Bucchianico (1999), Thm 2.5:
//   f(m, n, k) = f(m-1, n, k-n) + f(m, n-1, k), f(m, n, 0) = 1.
#include "neurocma/stats/mann_whitney.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "neurocma/core/error.hpp"

namespace neurocma {

std::string to_string(Alternative alt) {
  switch (alt) {
    case Alternative::kTwoSided:
      return "two-sided";
    case Alternative::kLess:
      return "less";
    case Alternative::kGreater:
      return "greater";
  }
  return "?";
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  const std::size_t n = values.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i + 1;
    while (j < n && values[order[j]] == values[order[i]]) ++j;
    // positions i..j-1 (0-based) share the mean of ranks i+1..j
    const double r = 0.5 * static_cast<double>(i + 1 + j);
    for (std::size_t t = i; t < j; ++t) ranks[order[t]] = r;
    i = j;
  }
  return ranks;
}

double mann_whitney_exact_sf(long long k, int m, int n) {
  if (m > n) std::swap(m, n);  // the distribution is symmetric in (m, n)
  const long long mn = static_cast<long long>(m) * n;
  if (k <= 0) return 1.0;
  if (k > mn) return 0.0;
  // P(U >= k) = P(U <= mn - k) by symmetry; sum the counts f(m, n, 0..c).
  const long long c = mn - k;
  // cur[a][j] = f(a, b, j) for the current b; rolled over b = 0..n.
  std::vector<std::vector<long double>> cur(m + 1);
  for (int a = 0; a <= m; ++a) cur[a].assign(static_cast<std::size_t>(c) + 1, 0.0L);
  for (int a = 0; a <= m; ++a) cur[a][0] = 1.0L;  // b = 0: only k = 0
  for (int b = 1; b <= n; ++b) {
    // a = 0: f(0, b, k) = [k == 0], unchanged. Ascending a uses f(a-1, b, .)
    // already updated for this b and f(a, b-1, .) still in cur[a].
    for (int a = 1; a <= m; ++a) {
      std::vector<long double>& fa = cur[a];
      const std::vector<long double>& fprev = cur[a - 1];
      const long long top = std::min<long long>(c, static_cast<long long>(a) * b);
      for (long long j = top; j >= b; --j) fa[j] += fprev[j - b];
    }
  }
  long double count = 0.0L;
  for (long long j = 0; j <= c; ++j) count += cur[m][j];
  long double total = 1.0L;  // binom(m + n, m)
  for (int i = 1; i <= m; ++i) total = total * static_cast<long double>(n + i) / i;
  return static_cast<double>(count / total);
}

MannWhitneyResult mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y,
                                 Alternative alt) {
  if (x.empty() || y.empty())
    throw ConfigError("mann_whitney_u: both samples must be non-empty (got sizes " +
                      std::to_string(x.size()) + " and " + std::to_string(y.size()) + ")");
  std::vector<double> xy(x);
  xy.insert(xy.end(), y.begin(), y.end());
  for (double v : xy)
    if (std::isnan(v)) throw ConfigError("mann_whitney_u: samples must not contain NaN");
  const std::size_t n1 = x.size(), n2 = y.size();
  const std::vector<double> ranks = average_ranks(xy);

  // Tie groups of the pooled sample (from the sorted ranks).
  std::vector<double> sorted(ranks);
  std::sort(sorted.begin(), sorted.end());
  double tie_term = 0;  // sum of t^3 - t over groups of t equal values
  bool ties = false;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const double t = static_cast<double>(j - i);
    if (j - i > 1) ties = true;
    tie_term += t * t * t - t;
    i = j;
  }

  double r1 = 0;
  for (std::size_t i = 0; i < n1; ++i) r1 += ranks[i];
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2);
  const double u1 = r1 - dn1 * (dn1 + 1) / 2;
  const double u2 = dn1 * dn2 - u1;

  double u = 0, factor = 1;
  switch (alt) {
    case Alternative::kGreater:
      u = u1;
      break;
    case Alternative::kLess:
      u = u2;
      break;  // SF of U2 instead of CDF of U1
    case Alternative::kTwoSided:
      u = std::max(u1, u2);
      factor = 2;
      break;
  }

  MannWhitneyResult res;
  res.u = u1;
  res.exact = !(n1 > 8 && n2 > 8) && !ties;  // SciPy's _mwu_choose_method
  double p = 0;
  if (res.exact) {
    p = mann_whitney_exact_sf(static_cast<long long>(u), static_cast<int>(n1),
                              static_cast<int>(n2));
  } else {
    const double mu = dn1 * dn2 / 2;
    const double n = dn1 + dn2;
    const double s = std::sqrt(dn1 * dn2 / 12 * ((n + 1) - tie_term / (n * (n - 1))));
    // All values equal gives s = 0 and z = -inf, hence p = 1 (as in SciPy).
    const double z = (u - mu - 0.5) / s;
    p = 0.5 * std::erfc(z / std::sqrt(2.0));
  }
  p *= factor;
  res.p = std::isnan(p) ? p : std::clamp(p, 0.0, 1.0);
  return res;
}

}  // namespace neurocma

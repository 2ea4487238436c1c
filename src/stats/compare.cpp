// Pairwise comparison of groups; see compare.hpp. Holm families: the
// k(k-1)/2 unordered pairs for the two-sided tests, the k(k-1) ordered pairs
// for the one-sided "row better than column" grid.
#include "neurocma/stats/compare.hpp"

#include <cmath>
#include <limits>

#include "neurocma/core/error.hpp"
#include "neurocma/stats/effect_size.hpp"
#include "neurocma/stats/holm.hpp"

namespace neurocma {

std::string to_string(Correction c) {
  return c == Correction::kHolm ? "holm" : "none";
}

Correction parse_correction(const std::string& name) {
  if (name == "none") return Correction::kNone;
  if (name == "holm") return Correction::kHolm;
  throw ConfigError("--correction: unknown value '" + name + "', expected none or holm");
}

namespace {

// Applies the correction to the listed entries of m (in place, into adj).
void correct(const Matrix& m, const std::vector<std::pair<Index, Index>>& cells,
             Correction correction, Matrix& adj, bool symmetric) {
  adj = m;
  if (correction == Correction::kNone) return;
  std::vector<double> p;
  for (const auto& [i, j] : cells) p.push_back(m(i, j));
  const std::vector<double> a = holm_adjust(p);
  for (std::size_t t = 0; t < cells.size(); ++t) {
    adj(cells[t].first, cells[t].second) = a[t];
    if (symmetric) adj(cells[t].second, cells[t].first) = a[t];
  }
}

}  // namespace

GroupComparison compare_groups(const std::vector<std::vector<double>>& samples, Better better,
                               const CompareOptions& opt) {
  const Index k = static_cast<Index>(samples.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  GroupComparison c;
  c.better_alternative = better == Better::kLower ? Alternative::kLess : Alternative::kGreater;
  c.u = c.p_two_sided = c.p_better = c.a12 = Matrix::Constant(k, k, nan);
  for (const std::vector<double>& s : samples) {
    c.summary.push_back(summarize(s));
    c.tested.push_back(s.size() >= opt.min_n && !s.empty());
  }
  std::vector<std::pair<Index, Index>> unordered, ordered;
  for (Index i = 0; i < k; ++i) {
    for (Index j = 0; j < k; ++j) {
      if (i == j || !c.tested[i] || !c.tested[j]) continue;
      const MannWhitneyResult two = mann_whitney_u(samples[i], samples[j]);
      c.u(i, j) = two.u;
      c.p_two_sided(i, j) = two.p;
      c.p_better(i, j) = mann_whitney_u(samples[i], samples[j], c.better_alternative).p;
      c.a12(i, j) = vargha_delaney_a12(samples[i], samples[j]);
      ordered.emplace_back(i, j);
      if (i < j) unordered.emplace_back(i, j);
    }
  }
  correct(c.p_two_sided, unordered, opt.correction, c.p_two_sided_adj, true);
  correct(c.p_better, ordered, opt.correction, c.p_better_adj, false);

  c.is_best.assign(samples.size(), false);
  for (Index g = 0; g < k; ++g) {
    if (!c.tested[g]) continue;
    const double m = c.summary[g].mean;
    if (c.best < 0) {
      c.best = static_cast<int>(g);
      continue;
    }
    const double cur = c.summary[c.best].mean;
    if (better == Better::kLower ? m < cur : m > cur) c.best = static_cast<int>(g);
  }
  if (c.best < 0) return c;
  for (Index g = 0; g < k; ++g) {
    if (!c.tested[g]) continue;
    c.is_best[g] = g == c.best || !(c.p_two_sided_adj(c.best, g) < opt.alpha);
  }
  return c;
}

}  // namespace neurocma

// Holm-Bonferroni step-down adjustment of a family of p-values.
//   S. Holm, "A simple sequentially rejective multiple test procedure",
//   Scand. J. Statist. 6 (1979) 65-70.
#pragma once
#include <vector>

namespace neurocma {

// Adjusted p-values in the input order: with the m finite p-values sorted
// ascending, p_adj(i) = max_{j<=i} min(1, (m - j + 1) p(j)) (1-based j).
// Rejecting p_adj < alpha is Holm's procedure at family-wise level alpha.
// NaN entries (tests not performed) stay NaN and do not count towards m.
std::vector<double> holm_adjust(const std::vector<double>& p);

}  // namespace neurocma

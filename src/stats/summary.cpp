// Mean, sample standard deviation (ddof = 1) and median.
#include "neurocma/stats/summary.hpp"

#include <algorithm>
#include <cmath>

namespace neurocma {

Summary summarize(const std::vector<double>& values) {
  Summary s;
  s.n = values.size();
  const double nan = std::nan("");
  if (s.n == 0) {
    s.mean = s.std = s.median = nan;
    return s;
  }
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n >= 2) {
    double ss = 0;  // two-pass: stable for values far from zero (e.g. times)
    for (double v : values) ss += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(ss / static_cast<double>(s.n - 1));
  } else {
    s.std = nan;
  }
  std::vector<double> sorted(values);
  std::sort(sorted.begin(), sorted.end());
  const std::size_t h = s.n / 2;
  s.median = s.n % 2 ? sorted[h] : 0.5 * (sorted[h - 1] + sorted[h]);
  return s;
}

}  // namespace neurocma

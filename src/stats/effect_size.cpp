// Vargha & Delaney (2000) A12, computed by direct pair counting.
#include "neurocma/stats/effect_size.hpp"

#include <cmath>

namespace neurocma {

double vargha_delaney_a12(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.empty() || y.empty()) return std::nan("");
  double wins = 0;
  for (double a : x)
    for (double b : y) wins += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
  return wins / (static_cast<double>(x.size()) * static_cast<double>(y.size()));
}

}  // namespace neurocma

// Holm (1979) step-down adjustment.
#include "neurocma/stats/holm.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace neurocma {

std::vector<double> holm_adjust(const std::vector<double>& p) {
  std::vector<double> adj(p.size(), std::nan(""));
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (!std::isnan(p[i])) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  const double m = static_cast<double>(order.size());
  double running = 0;  // enforces monotonicity of the adjusted values
  for (std::size_t j = 0; j < order.size(); ++j) {
    const double scaled = std::min(1.0, (m - static_cast<double>(j)) * p[order[j]]);
    running = std::max(running, scaled);
    adj[order[j]] = running;
  }
  return adj;
}

}  // namespace neurocma

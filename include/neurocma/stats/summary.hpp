// Descriptive statistics of one sample.
#pragma once
#include <cstddef>
#include <vector>

namespace neurocma {

struct Summary {
  std::size_t n = 0;
  double mean = 0;    // NaN when n == 0
  double std = 0;     // sample standard deviation (ddof = 1); NaN when n < 2
  double median = 0;  // mean of the two middle values for even n; NaN when n == 0
};

Summary summarize(const std::vector<double>& values);

}  // namespace neurocma

// Vargha-Delaney A measure of stochastic superiority.
//   A. Vargha, H. D. Delaney, "A critique and improvement of the CL common
//   language effect size statistics of McGraw and Wong", J. Educ. Behav.
//   Stat. 25 (2000) 101-132, eq. (14).
#pragma once
#include <vector>

namespace neurocma {

// A12 = P(X > Y) + 0.5 P(X = Y), estimated over all nx*ny pairs
// (= U1 / (nx ny)). 0.5: no effect; 1: every x beats every y. NaN when a
// sample is empty.
double vargha_delaney_a12(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace neurocma

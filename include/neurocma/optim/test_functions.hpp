// Standard benchmark functions for black-box optimizers (all minimised, optimum f = 0).
//
// Definitions follow Hansen's tutorial (arXiv:1604.00772) and Hansen &
// Ostermeier (2001): with x in R^n and i = 0..n-1,
//   sphere      sum x_i^2                                      optimum 0
//   ellipsoid   sum 10^(6 i/(n-1)) x_i^2  (condition 1e6)      optimum 0
//   rotated_ellipsoid  ellipsoid(R x), R a seeded random orthogonal matrix
//   cigar       x_0^2 + 1e6 sum_{i>0} x_i^2                    optimum 0
//   discus      1e6 x_0^2 + sum_{i>0} x_i^2                    optimum 0
//   rosenbrock  sum_{i<n-1} 100 (x_i^2 - x_{i+1})^2 + (x_i - 1)^2, optimum 1
//   rastrigin   10 n + sum x_i^2 - 10 cos(2 pi x_i)            optimum 0
// Default start points: x0 = 3 (all coordinates) with sigma0 = 2 for the
// sphere-like functions and rastrigin; x0 = 0 with sigma0 = 0.5 for rosenbrock
// (the usual pycma setting, cma.fmin(rosen, n * [0], 0.5)).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "neurocma/core/rng.hpp"
#include "neurocma/core/types.hpp"

namespace neurocma {

double sphere(const Eigen::Ref<const Vector>& x);
double ellipsoid(const Eigen::Ref<const Vector>& x);
double cigar(const Eigen::Ref<const Vector>& x);
double discus(const Eigen::Ref<const Vector>& x);
double rosenbrock(const Eigen::Ref<const Vector>& x);
double rastrigin(const Eigen::Ref<const Vector>& x);

// Haar-random n x n orthogonal matrix: Q of the QR factorisation of a Gaussian
// matrix, columns sign-corrected by sign(diag R).
Matrix random_rotation(Index n, Rng& rng);

using Objective = std::function<double(const Eigen::Ref<const Vector>&)>;

struct TestFunction {
  std::string name;
  Index dim = 0;
  Objective f;
  Vector x0;            // documented default start point
  double sigma0 = 1.0;  // documented default initial step size
  double operator()(const Eigen::Ref<const Vector>& x) const { return f(x); }
};

std::vector<std::string> test_function_names();
// Unknown name or n < 1 (n < 2 for rosenbrock) -> ConfigError. The rotation of
// rotated_ellipsoid comes from Rng(seed, 0, Stream::kRotation).
TestFunction make_test_function(const std::string& name, Index n, std::uint64_t seed = 0);

}  // namespace neurocma

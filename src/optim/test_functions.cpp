// Standard test functions; definitions in test_functions.hpp.
#include "neurocma/optim/test_functions.hpp"

#include <cmath>
#include <memory>

#include "neurocma/core/error.hpp"

namespace neurocma {

namespace {
// Ellipsoid coefficients 10^(6 i / (n-1)); n = 1 gives 1.
double ell_coef(Index i, Index n) {
  return n > 1 ? std::pow(10.0, 6.0 * static_cast<double>(i) / static_cast<double>(n - 1)) : 1.0;
}
}  // namespace

double sphere(const Eigen::Ref<const Vector>& x) {
  return x.squaredNorm();
}

double ellipsoid(const Eigen::Ref<const Vector>& x) {
  double f = 0.0;
  for (Index i = 0; i < x.size(); ++i) f += ell_coef(i, x.size()) * x(i) * x(i);
  return f;
}

double cigar(const Eigen::Ref<const Vector>& x) {
  return x(0) * x(0) + 1e6 * x.tail(x.size() - 1).squaredNorm();
}

double discus(const Eigen::Ref<const Vector>& x) {
  return 1e6 * x(0) * x(0) + x.tail(x.size() - 1).squaredNorm();
}

double rosenbrock(const Eigen::Ref<const Vector>& x) {
  double f = 0.0;
  for (Index i = 0; i + 1 < x.size(); ++i) {
    const double a = x(i) * x(i) - x(i + 1);
    const double b = x(i) - 1.0;
    f += 100.0 * a * a + b * b;
  }
  return f;
}

double rastrigin(const Eigen::Ref<const Vector>& x) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  double f = 10.0 * static_cast<double>(x.size());
  for (Index i = 0; i < x.size(); ++i) f += x(i) * x(i) - 10.0 * std::cos(kTwoPi * x(i));
  return f;
}

Matrix random_rotation(Index n, Rng& rng) {
  Matrix g(n, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < n; ++i) g(i, j) = rng.normal();
  Eigen::HouseholderQR<Matrix> qr(g);
  Matrix q = qr.householderQ();
  const Matrix r = qr.matrixQR().triangularView<Eigen::Upper>();
  // Sign correction makes Q Haar-distributed (Mezzadri 2007).
  for (Index j = 0; j < n; ++j)
    if (r(j, j) < 0) q.col(j) = -q.col(j);
  return q;
}

std::vector<std::string> test_function_names() {
  return {"sphere", "ellipsoid", "rotated_ellipsoid", "cigar", "discus", "rosenbrock", "rastrigin"};
}

TestFunction make_test_function(const std::string& name, Index n, std::uint64_t seed) {
  if (n < 1) throw ConfigError("dim: expected >= 1, got " + std::to_string(n));
  TestFunction t;
  t.name = name;
  t.dim = n;
  t.x0 = Vector::Constant(n, 3.0);
  t.sigma0 = 2.0;
  if (name == "sphere") {
    t.f = sphere;
  } else if (name == "ellipsoid") {
    t.f = ellipsoid;
  } else if (name == "rotated_ellipsoid") {
    Rng rng(seed, 0, Stream::kRotation);
    auto rot = std::make_shared<const Matrix>(random_rotation(n, rng));
    t.f = [rot](const Eigen::Ref<const Vector>& x) {
      const Vector y = (*rot) * x;
      return ellipsoid(y);
    };
  } else if (name == "cigar" || name == "discus") {
    if (n < 2) throw ConfigError("dim: " + name + " expects >= 2, got " + std::to_string(n));
    t.f = name == "cigar" ? Objective(cigar) : Objective(discus);
  } else if (name == "rosenbrock") {
    if (n < 2) throw ConfigError("dim: rosenbrock expects >= 2, got " + std::to_string(n));
    t.f = rosenbrock;
    t.x0 = Vector::Zero(n);
    t.sigma0 = 0.5;
  } else if (name == "rastrigin") {
    t.f = rastrigin;
  } else {
    std::string list;
    for (const std::string& s : test_function_names()) list += (list.empty() ? "" : ", ") + s;
    throw ConfigError("function: expected one of " + list + ", got '" + name + "'");
  }
  return t;
}

}  // namespace neurocma

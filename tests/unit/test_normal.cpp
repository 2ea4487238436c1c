// fill_normal(): float32 SIMD Box-Muller against its double-precision
// reference on the same draws, and its distribution against N(0, 1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "neurocma/core/normal.hpp"

using namespace neurocma;

TEST(FillNormal, MatchesDoubleReferenceOnTheSameDraws) {
  for (Index n : {Index{1}, Index{2}, Index{3}, Index{511}, Index{512}, Index{513}, Index{1025},
                  Index{100000}}) {
    Rng a(42), b(42);
    std::vector<double> fast(static_cast<size_t>(n)), ref(static_cast<size_t>(n));
    fill_normal(a, fast.data(), n);
    fill_normal_reference(b, ref.data(), n);
    double worst = 0;
    for (Index i = 0; i < n; ++i)
      worst = std::max(worst, std::abs(fast[static_cast<size_t>(i)] - ref[static_cast<size_t>(i)]));
    // float32 log/sin/cos: a few ulps of values up to 5.8.
    EXPECT_LT(worst, 4e-6) << "n = " << n;
    EXPECT_EQ(a(), b()) << "both consumed the same draws, n = " << n;
  }
}

TEST(FillNormal, FloatOutputHoldsTheSameValues) {
  for (Index n : {Index{1}, Index{513}, Index{6634}}) {
    Rng a(7), b(7);
    std::vector<double> d(static_cast<size_t>(n));
    std::vector<float> f(static_cast<size_t>(n));
    fill_normal(a, d.data(), n);
    fill_normal(b, f.data(), n);
    for (Index i = 0; i < n; ++i)
      ASSERT_EQ(d[static_cast<size_t>(i)], static_cast<double>(f[static_cast<size_t>(i)]))
          << "n = " << n << ", i = " << i;
    EXPECT_EQ(a(), b());
  }
}

TEST(FillNormal, DistributionIsStandardNormal) {
  const Index n = 1000000;
  Rng rng(2024);
  std::vector<double> z(static_cast<size_t>(n));
  fill_normal(rng, z.data(), n);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0, beyond3 = 0, lag = 0;
  for (Index i = 0; i < n; ++i) {
    const double x = z[static_cast<size_t>(i)];
    m1 += x;
    m2 += x * x;
    m3 += x * x * x;
    m4 += x * x * x * x;
    beyond3 += std::abs(x) > 3.0 ? 1.0 : 0.0;
    if (i > 0) lag += x * z[static_cast<size_t>(i - 1)];
  }
  const double N = static_cast<double>(n);
  // Standard errors at N = 1e6: mean 0.001, variance 0.0014, skewness 0.0024,
  // kurtosis 0.0049, P(|z| > 3) 5.2e-5; bounds at about 5 standard errors.
  EXPECT_NEAR(m1 / N, 0.0, 0.005);
  EXPECT_NEAR(m2 / N, 1.0, 0.007);
  EXPECT_NEAR(m3 / N, 0.0, 0.012);
  EXPECT_NEAR(m4 / N, 3.0, 0.025);
  EXPECT_NEAR(beyond3 / N, 0.0026998, 0.00026);
  EXPECT_NEAR(lag / N, 0.0, 0.005);
  // Kolmogorov-Smirnov against Phi: the 0.1% critical value is 1.95 / sqrt(N).
  std::sort(z.begin(), z.end());
  double d = 0;
  for (Index i = 0; i < n; ++i) {
    const double cdf = 0.5 * std::erfc(-z[static_cast<size_t>(i)] / std::sqrt(2.0));
    d = std::max({d, std::abs(cdf - static_cast<double>(i) / N),
                  std::abs(cdf - static_cast<double>(i + 1) / N)});
  }
  EXPECT_LT(d, 1.95 / std::sqrt(N));
}

TEST(FillNormal, SeedsGiveDifferentStreams) {
  Rng a(1), b(2);
  std::vector<double> x(64), y(64);
  fill_normal(a, x.data(), 64);
  fill_normal(b, y.data(), 64);
  EXPECT_NE(x, y);
}

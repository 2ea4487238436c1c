// Test functions: hand-computed values, optima, rotation, lookup errors.
#include <gtest/gtest.h>

#include <cmath>

#include "neurocma/core/error.hpp"
#include "neurocma/optim/test_functions.hpp"

using namespace neurocma;

TEST(TestFunctions, HandComputedValues) {
  Vector x(3);
  x << 1.0, 2.0, -1.0;
  EXPECT_DOUBLE_EQ(sphere(x), 6.0);
  EXPECT_DOUBLE_EQ(ellipsoid(x), 1.0 + 1e3 * 4.0 + 1e6);  // 10^(6 i / 2)
  EXPECT_DOUBLE_EQ(cigar(x), 1.0 + 1e6 * 5.0);
  EXPECT_DOUBLE_EQ(discus(x), 1e6 + 5.0);
  // (1^2-2)^2*100 + 0 + (4+1)^2*100 + 1
  EXPECT_DOUBLE_EQ(rosenbrock(x), 100.0 + 2500.0 + 1.0);
  EXPECT_NEAR(rastrigin(x), 30.0 + 6.0 - 30.0, 1e-12);
  Vector h = Vector::Constant(2, 0.5);
  EXPECT_NEAR(rastrigin(h), 20.0 + 0.5 + 20.0, 1e-12);  // cos(pi) = -1
}

TEST(TestFunctions, OptimaAndDefaults) {
  for (const std::string& name : test_function_names()) {
    const TestFunction t = make_test_function(name, 7, 3);
    const Vector opt = name == "rosenbrock" ? Vector::Ones(7) : Vector::Zero(7);
    EXPECT_NEAR(t(opt), 0.0, 1e-12) << name;
    EXPECT_GT(t(t.x0), 1.0) << name;
    EXPECT_EQ(t.x0.size(), 7);
    EXPECT_GT(t.sigma0, 0.0);
  }
  EXPECT_DOUBLE_EQ(make_test_function("rosenbrock", 4).x0.norm(), 0.0);
  EXPECT_DOUBLE_EQ(make_test_function("sphere", 4).x0(2), 3.0);
}

TEST(TestFunctions, RotationIsOrthogonalSeededAndUsed) {
  Rng r1(5, 0, Stream::kRotation), r2(5, 0, Stream::kRotation), r3(6, 0, Stream::kRotation);
  const Matrix q = random_rotation(12, r1);
  EXPECT_LT((q.transpose() * q - Matrix::Identity(12, 12)).norm(), 1e-12);
  EXPECT_EQ((q - random_rotation(12, r2)).norm(), 0.0);
  EXPECT_GT((q - random_rotation(12, r3)).norm(), 1.0);
  // rotated_ellipsoid(x) = ellipsoid(R x): its eigen-spectrum is the same, its axes are not.
  const TestFunction t = make_test_function("rotated_ellipsoid", 6, 1);
  Vector e = Vector::Zero(6);
  e(5) = 1.0;
  EXPECT_GT(std::abs(t(e) - 1e6), 1.0);
  Rng r(1, 0, Stream::kRotation);
  const Matrix rot = random_rotation(6, r);
  const Vector back = rot.transpose() * e;
  EXPECT_NEAR(t(back), 1e6, 1e-6);
}

TEST(TestFunctions, UnknownNameAndBadDimensionAreConfigErrors) {
  try {
    make_test_function("spherez", 3);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("spherez"), std::string::npos);
  }
  EXPECT_THROW(make_test_function("sphere", 0), ConfigError);
  EXPECT_THROW(make_test_function("rosenbrock", 1), ConfigError);
}

// The compact form of the LM-MA-ES transform (lm_transform.hpp) against the
// sequential reference, one direction at a time ([LGB] Alg. 1 lines 6-8).
#include <gtest/gtest.h>

#include <cmath>

#include "neurocma/core/normal.hpp"
#include "neurocma/optim/lm_transform.hpp"

using namespace neurocma;

namespace {

// [LGB]'s c_d,i = 1 / (1.5^i n), optionally scaled up so that the product is
// far from the identity and a wrong T would show.
Vector lm_weights(Index m, Index n, double boost) {
  Vector cd(m);
  for (Index i = 0; i < m; ++i) cd(i) = boost / (std::pow(1.5, static_cast<double>(i)) * n);
  return cd;
}

Matrix normals(Index rows, Index cols, std::uint64_t seed) {
  Matrix A(rows, cols);
  Rng rng(seed);
  fill_normal_reference(rng, A.data(), A.size());
  return A;
}

}  // namespace

TEST(LmTransform, CompactFormEqualsSequentialApplication) {
  for (const double boost : {1.0, 20.0}) {
    for (const Index used : {1, 2, 7, 12}) {
      const Index n = 60, m = 12, lambda = 9;
      const Matrix V = normals(n, m, 11);
      const Vector cd = lm_weights(m, n, boost);
      const Matrix Z = normals(n, lambda, 12);
      Matrix Yref = Z;
      lm_transform_reference(Yref, V, cd, used);
      const LmProduct P = lm_product(V, cd, used);
      const Matrix Y = P.alpha * Z + V.leftCols(used) * (P.T * (V.leftCols(used).transpose() * Z));
      // The transform moves Z by a visible amount, and the compact form follows it.
      EXPECT_GT((Yref - Z).norm(), 1e-3 * Z.norm()) << "boost " << boost << " used " << used;
      EXPECT_LT((Y - Yref).norm(), 1e-12 * Yref.norm()) << "boost " << boost << " used " << used;
      EXPECT_TRUE(P.T.isLowerTriangular(0.0));
    }
  }
}

TEST(LmTransform, AlphaIsTheProductOfTheKeepFactors) {
  const Index n = 30, m = 5;
  const Vector cd = lm_weights(m, n, 3.0);
  const LmProduct P = lm_product(normals(n, m, 5), cd, m);
  double alpha = 1.0;
  for (Index i = 0; i < m; ++i) alpha *= 1.0 - cd(i);
  EXPECT_DOUBLE_EQ(P.alpha, alpha);
  EXPECT_EQ(lm_product(normals(n, m, 5), cd, 0).T.size(), 0);
}

// MLP layout, initialisation, loss stability and analytic gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "neurocma/model/loss.hpp"
#include "neurocma/model/mlp.hpp"

using namespace neurocma;

TEST(Mlp, LayoutMatchesPyTorchOrder) {
  Mlp mlp({196, {32}, 10, Activation::kRelu});
  ASSERT_EQ(mlp.num_params(), 196 * 32 + 32 + 32 * 10 + 10);  // 6634, the n
  ASSERT_EQ(mlp.layers().size(), 2u);
  EXPECT_EQ(mlp.layers()[0].offset, 0);
  EXPECT_EQ(mlp.layers()[0].bias_offset, 196 * 32);
  EXPECT_EQ(mlp.layers()[1].offset, 196 * 32 + 32);
  const std::vector<ParamBlock> blocks = mlp.layer_blocks();
  EXPECT_EQ(blocks[1].begin + blocks[1].size, mlp.num_params());
  EXPECT_EQ(mlp.spec().shape_string(), "196-32-10");
}

TEST(Mlp, InitIsSeededAndWithinPyTorchBounds) {
  Mlp mlp({4, {10}, 3, Activation::kSigmoid});
  Rng a(42, 0, Stream::kInit), b(42, 0, Stream::kInit), c(43, 0, Stream::kInit);
  const Vector pa = mlp.init(a), pb = mlp.init(b), pc = mlp.init(c);
  EXPECT_EQ(pa, pb);
  EXPECT_NE(pa, pc);
  for (const LayerView& l : mlp.layers()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(l.in));
    const Vector seg = pa.segment(l.offset, l.size());
    EXPECT_LE(seg.cwiseAbs().maxCoeff(), bound);
    EXPECT_GT(seg.cwiseAbs().maxCoeff(), 0.5 * bound);  // not degenerate
  }
}

TEST(Mlp, ForwardMatchesHandComputedNetwork) {
  // 2-2-2 relu network with chosen weights; W stored row-major (out x in).
  Mlp mlp({2, {2}, 2, Activation::kRelu});
  Vector p(mlp.num_params());
  // W1 = [[1, -1], [2, 0.5]], b1 = [0.5, -3]; W2 = [[1, 2], [-1, 0]], b2 = [0, 1]
  p << 1, -1, 2, 0.5, 0.5, -3, 1, 2, -1, 0, 0, 1;
  Matrix X(2, 1);
  X << 1, 2;  // h = relu([1-2+0.5, 2+1-3]) = [0, 0]... pick another input
  X << 3, 1;  // z1 = [3-1+0.5, 6+0.5-3] = [2.5, 3.5]; relu same
  Matrix logits;
  mlp.forward(p, X, logits);
  EXPECT_DOUBLE_EQ(logits(0, 0), 2.5 + 7.0);
  EXPECT_DOUBLE_EQ(logits(1, 0), -2.5 + 1.0);
}

TEST(Loss, StableOnHugeLogits) {
  Matrix z(3, 2);
  z << 1e4, -1e4, -1e4, 1e4, 0, 0;
  const LossAcc la = cross_entropy(z, {0, 0});
  // Column 0: correct class dominates -> loss ~ 0. Column 1: wrong class by 1e4 -> 2e4.
  ASSERT_TRUE(std::isfinite(la.loss));
  EXPECT_NEAR(la.loss, (0.0 + 2e4) / 2.0, 1e-9);
  EXPECT_DOUBLE_EQ(la.accuracy, 0.5);
  Matrix dz;
  const double l2 = cross_entropy_grad(z, {0, 0}, dz);
  EXPECT_DOUBLE_EQ(l2, la.loss);
  EXPECT_TRUE(dz.allFinite());
}

TEST(Loss, UniformLogitsGiveLogK) {
  Matrix z = Matrix::Constant(10, 4, 123.0);
  EXPECT_NEAR(cross_entropy(z, {0, 1, 2, 3}).loss, std::log(10.0), 1e-12);
}

TEST(Loss, NonFiniteLogitsGiveInfiniteLoss) {
  Matrix z(2, 1);
  z << std::nan(""), 0;
  EXPECT_TRUE(std::isinf(cross_entropy(z, {0}).loss));
}

class GradientCheck : public ::testing::TestWithParam<Activation> {};

TEST_P(GradientCheck, AnalyticMatchesCentralDifferences) {
  Mlp mlp({5, {4, 3}, 3, GetParam()});
  Rng rng(7, 1, 2);
  const Vector p = mlp.init(rng);
  Matrix X(5, 6);
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.normal();
  const std::vector<int> y{0, 1, 2, 1, 0, 2};
  Vector grad;
  mlp.loss_and_gradient(p, X, y, grad);
  ASSERT_EQ(grad.size(), mlp.num_params());
  const double h = 1e-6;
  Matrix logits;
  for (Index i = 0; i < p.size(); ++i) {
    Vector pp = p, pm = p;
    pp(i) += h;
    pm(i) -= h;
    mlp.forward(pp, X, logits);
    const double fp = cross_entropy(logits, y).loss;
    mlp.forward(pm, X, logits);
    const double fm = cross_entropy(logits, y).loss;
    EXPECT_NEAR(grad(i), (fp - fm) / (2 * h), 1e-7) << "parameter " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Activations, GradientCheck,
                         ::testing::Values(Activation::kRelu, Activation::kTanh,
                                           Activation::kSigmoid));

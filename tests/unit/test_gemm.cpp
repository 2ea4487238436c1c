// sgemm() against the double-precision product of the same float inputs, on
// shapes that hit every edge: partial micro-tiles in rows and columns, depth
// beyond one k block, transposed B, strided operands, beta, and threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "neurocma/core/error.hpp"
#include "neurocma/core/gemm.hpp"
#include "neurocma/core/rng.hpp"

using namespace neurocma;

namespace {

MatrixF uniform(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  MatrixF A(rows, cols);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = static_cast<float>(rng.uniform(-1.0, 1.0));
  return A;
}

// |C - C_ref| <= 2 sqrt(k) u (|A| |B|) elementwise, u = 2^-24: the
// probabilistic rounding-error bound of Higham & Mary (SIAM J. Sci. Comput.
// 41(5), 2019), which random data meets with a wide margin (the worst-case
// k u bound would let a wrong k block through).
void expect_close(const MatrixF& C, const Matrix& ref, const Matrix& absprod, Index k) {
  const double tol = 2.0 * std::sqrt(static_cast<double>(k)) * 0x1.0p-24;
  for (Index j = 0; j < C.cols(); ++j)
    for (Index i = 0; i < C.rows(); ++i)
      ASSERT_LE(std::abs(C(i, j) - ref(i, j)), tol * absprod(i, j) + 1e-30)
          << "at (" << i << ", " << j << ")";
}

}  // namespace

// Runs the test body once per micro-kernel: AVX-512 (where compiled in) and portable.
class Sgemm : public testing::TestWithParam<bool> {
 protected:
  void SetUp() override { sgemm_force_portable(GetParam()); }
  void TearDown() override { sgemm_force_portable(false); }
};
INSTANTIATE_TEST_SUITE_P(Kernels, Sgemm, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& i) {
                           return i.param ? "portable" : "native";
                         });

TEST_P(Sgemm, MatchesDoublePrecisionProductOnEdgeShapes) {
  struct Shape {
    Index m, n, k;
  };
  for (const Shape s : {Shape{1, 1, 1}, Shape{31, 9, 5}, Shape{33, 11, 257}, Shape{200, 23, 600},
                        Shape{64, 100, 196}, Shape{193, 21, 513}}) {
    for (const bool trans_b : {false, true}) {
      const MatrixF A = uniform(s.m, s.k, 1);
      const MatrixF B = trans_b ? uniform(s.n, s.k, 2) : uniform(s.k, s.n, 2);
      const MatrixF opB = trans_b ? MatrixF(B.transpose()) : B;
      const Matrix ref = A.cast<double>() * opB.cast<double>();
      const Matrix absprod = A.cast<double>().cwiseAbs() * opB.cast<double>().cwiseAbs();
      MatrixF C = MatrixF::Constant(s.m, s.n, std::nanf(""));  // beta = 0 never reads C
      sgemm(A, B, trans_b, 0.0f, C);
      SCOPED_TRACE(testing::Message()
                   << s.m << " x " << s.n << " x " << s.k << (trans_b ? " B^T" : ""));
      expect_close(C, ref, absprod, s.k);
    }
  }
}

TEST_P(Sgemm, TransposedAMatchesTheDoubleProduct) {
  // LM-MA-ES's V^T Z: few rows, long depth.
  for (const Index m : {30, 45}) {
    const Index k = 700, n = 23;
    const MatrixF A = uniform(k, m, 16), B = uniform(k, n, 17);
    const Matrix ref = A.cast<double>().transpose() * B.cast<double>();
    const Matrix absprod = A.cast<double>().cwiseAbs().transpose() * B.cast<double>().cwiseAbs();
    MatrixF C(m, n);
    sgemm_tn(A, B, 0.0f, C);
    expect_close(C, ref, absprod, k);
  }
}

TEST_P(Sgemm, TransposedAReadsBInPlaceWithThePackedBits) {
  // sgemm_tn() lets the micro-kernel read B in place (no packed copy); the
  // sums must be those of the packed product, also for a partial last column
  // sliver (23 = 2 x 10 + 3) and a strided B.
  const Index k = 700, m = 30, n = 23;
  const MatrixF A = uniform(k, m, 18), Bbig = uniform(k + 4, n + 2, 19);
  const auto B = Bbig.block(2, 1, k, n);
  MatrixF tn(m, n), packed(m, n);
  sgemm_tn(A, B, 0.0f, tn);
  const MatrixF At = A.transpose();
  sgemm(At, MatrixF(B), false, 0.0f, packed);
  EXPECT_EQ(tn, packed);
}

TEST_P(Sgemm, BetaScalesTheOldValuesAndStridedOperandsWork) {
  const Index m = 70, n = 13, k = 300;
  const MatrixF Abig = uniform(m + 5, k + 2, 3), Bbig = uniform(k + 7, n + 1, 4);
  const MatrixF C0 = uniform(m + 3, n, 5);
  MatrixF Cbig = C0;
  const auto A = Abig.topLeftCorner(m, k);
  const auto B = Bbig.block(3, 1, k, n);
  sgemm(A, B, false, 0.5f, Cbig.topRows(m));
  const Matrix ref = 0.5 * C0.topRows(m).cast<double>() + A.cast<double>() * B.cast<double>();
  const Matrix absprod = 0.5 * C0.topRows(m).cast<double>().cwiseAbs() +
                         A.cast<double>().cwiseAbs() * B.cast<double>().cwiseAbs();
  expect_close(Cbig.topRows(m), ref, absprod, k + 1);
  EXPECT_EQ(Cbig.bottomRows(3), C0.bottomRows(3));  // rows outside the view untouched
}

TEST_P(Sgemm, EpilogueGivesTheBitsOfBiasAndReluAppliedAfterwards) {
  // One k block (the first layer's 196), several (600), and none; with beta.
  for (const Index k : {Index{196}, Index{600}, Index{0}}) {
    for (const float beta : {0.0f, 0.5f}) {
      const Index m = 45, n = 23;
      MatrixF A = uniform(m, k, 20);
      const MatrixF B = uniform(k, n, 21), C0 = uniform(m, n, 22);
      if (k > 0) A(3, 0) = std::nanf("");  // a NaN row must stay NaN through relu
      const MatrixF bias = uniform(1, n, 23);
      MatrixF plain = C0;
      sgemm(A, B, false, beta, plain);
      plain.rowwise() += bias.row(0);
      const MatrixF with_relu_ref = plain.cwiseMax(0.0f);
      MatrixF biased = C0, fused = C0;
      sgemm(A, B, false, beta, biased, 0, SgemmEpilogue{bias.data(), false});
      sgemm(A, B, false, beta, fused, 2, SgemmEpilogue{bias.data(), true});
      SCOPED_TRACE(testing::Message() << "k " << k << " beta " << beta);
      // Bitwise, NaN included (operator== would call NaN != NaN).
      ASSERT_EQ(0, std::memcmp(biased.data(), plain.data(), sizeof(float) * plain.size()));
      ASSERT_EQ(
          0, std::memcmp(fused.data(), with_relu_ref.data(), sizeof(float) * with_relu_ref.size()));
      if (k > 0) {
        EXPECT_TRUE(std::isnan(fused(3, 0)));
      }
      EXPECT_GT((fused.array() == 0.0f).count(), 0);  // relu did clip something
      EXPECT_GT((fused.array() > 0.0f).count(), 0);
    }
  }
}

TEST_P(Sgemm, ThreadCountDoesNotChangeTheBits) {
  // Many row blocks and few columns, and one row block with many columns
  // (the first layer's shape), where the threads split the columns.
  for (const Index m : {1000, 200}) {
    const Index n = m == 1000 ? 37 : 650, k = 700;
    const MatrixF A = uniform(m, k, 6), B = uniform(n, k, 7);
    MatrixF C1 = uniform(m, n, 8), C2 = C1, C3 = C1;
    sgemm(A, B, true, 1.0f, C1, 1);
    sgemm(A, B, true, 1.0f, C2, 2);
    sgemm(A, B, true, 1.0f, C3, 3);
    EXPECT_TRUE((C1.array() == C2.array()).all()) << m;
    EXPECT_TRUE((C1.array() == C3.array()).all()) << m;
  }
}

namespace {

// Dense (column-major) m x cols to the panel layout of gemm.hpp and back.
std::vector<float> to_panels(const MatrixF& M) {
  const Index P = (M.rows() + kGemmPanel - 1) / kGemmPanel;
  std::vector<float> out(static_cast<std::size_t>(P * kGemmPanel * M.cols()), 0.0f);
  for (Index j = 0; j < M.cols(); ++j)
    for (Index i = 0; i < M.rows(); ++i)
      out[static_cast<std::size_t>((i / kGemmPanel) * M.cols() * kGemmPanel + j * kGemmPanel +
                                   i % kGemmPanel)] = M(i, j);
  return out;
}
MatrixF from_panels(const std::vector<float>& v, Index rows, Index cols) {
  MatrixF M(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i)
      M(i, j) = v[static_cast<std::size_t>((i / kGemmPanel) * cols * kGemmPanel + j * kGemmPanel +
                                           i % kGemmPanel)];
  return M;
}

}  // namespace

// A or C in panels computes every tile exactly as the dense call does.
TEST_P(Sgemm, PanelOperandsGiveTheDenseBits) {
  const Index m = 300, n = 45, k = 530;
  const MatrixF A = uniform(m, k, 9), B = uniform(k, n, 10), Bt = uniform(n, k, 12);
  MatrixF C(m, n);
  sgemm(A, B, false, 0.0f, C, 1);
  MatrixF Cp(m, n);
  sgemm_panel_a(m, n, k, to_panels(A).data(), B.data(), k, false, 0.0f, Cp.data(), m, 2);
  EXPECT_TRUE((Cp.array() == C.array()).all());

  const MatrixF U = uniform(m, 51, 13), V = uniform(m, 51, 14);
  MatrixF D = uniform(m, m, 15);
  std::vector<float> Dp = to_panels(D);
  sgemm(U, V, true, 1.0f, D, 1);
  sgemm_panel_c(m, m, 51, U.data(), m, V.data(), m, true, 1.0f, Dp.data(), 3);
  EXPECT_TRUE((from_panels(Dp, m, m).array() == D.array()).all());
  // The padding rows of the last panel stay zero.
  for (Index j = 0; j < m; ++j)
    for (Index i = m; i < (m / kGemmPanel + 1) * kGemmPanel; ++i)
      ASSERT_EQ(Dp[static_cast<std::size_t>((i / kGemmPanel) * m * kGemmPanel + j * kGemmPanel +
                                            i % kGemmPanel)],
                0.0f);
}

TEST(SgemmArgs, RejectsMismatchedShapesAndThreadCounts) {
  MatrixF A(4, 3), B(2, 5), C(4, 5);
  EXPECT_THROW(sgemm(A, B, false, 0.0f, C), RuntimeError);
  EXPECT_THROW(set_sgemm_threads(0), RuntimeError);
  EXPECT_EQ(sgemm_threads(), 1);
}

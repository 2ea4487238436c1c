// CMA-ES checkpoint round trip and the float32 matrix path against double.
#include <gtest/gtest.h>

#include <cstring>

#include "neurocma/core/error.hpp"
#include "neurocma/optim/cmaes.hpp"
#include "neurocma/optim/test_functions.hpp"

using namespace neurocma;

namespace {

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

void run(CmaEs& es, const TestFunction& f, int gens, Matrix* last = nullptr) {
  Matrix X(es.dim(), es.popsize());
  Vector fit(es.popsize());
  for (int g = 0; g < gens; ++g) {
    es.ask(X);
    for (Index j = 0; j < X.cols(); ++j) fit(j) = f(X.col(j));
    es.tell(fit);
  }
  if (last) *last = X;
}

}  // namespace

TEST(CmaState, RoundTripContinuesBitIdentically) {
  struct Case {
    CmaVariant v;
    CmaFullForm form;
    bool single;
  };
  const TestFunction f = make_test_function("rotated_ellipsoid", 9, 2);
  for (const Case& c : {Case{CmaVariant::kFull, CmaFullForm::kEigen, true},
                        Case{CmaVariant::kFull, CmaFullForm::kMatrix, true},
                        Case{CmaVariant::kFull, CmaFullForm::kMatrix, false},
                        Case{CmaVariant::kSep, CmaFullForm::kAuto, true},
                        Case{CmaVariant::kLm, CmaFullForm::kAuto, true}}) {
    CmaOptions o;
    o.variant = c.v;
    o.full_form = c.form;
    o.single_precision = c.single;
    o.sigma0 = 1.0;
    o.active = c.v == CmaVariant::kFull;
    CmaEs a(f.x0, o, Rng(11, 0, Stream::kOptimizer));
    run(a, f, 37);  // not a multiple of the decomposition interval
    const auto st = a.state();
    // A fresh instance with a different Rng must take everything from the state.
    CmaEs b(f.x0, o, Rng(999));
    b.set_state(st);
    EXPECT_EQ(b.generation(), a.generation());
    EXPECT_EQ(b.evals(), a.evals());
    Matrix xa, xb;
    run(a, f, 25, &xa);
    run(b, f, 25, &xb);
    const std::string what = to_string(c.v) + "/" + to_string(c.form);
    EXPECT_TRUE(same_bits(xa, xb)) << what;
    EXPECT_TRUE(same_bits(a.mean(), b.mean())) << what;
    const double fa = a.best_f(), fb = b.best_f();
    EXPECT_EQ(std::memcmp(&fa, &fb, sizeof(double)), 0) << what;
    const double sa = a.sigma(), sb = b.sigma();
    EXPECT_EQ(std::memcmp(&sa, &sb, sizeof(double)), 0) << what;
    // The state of the continued runs agrees as well (every key, every bit).
    const auto ta = a.state(), tb = b.state();
    ASSERT_EQ(ta.size(), tb.size());
    for (const auto& kv : ta) {
      const auto& other = tb.at(kv.first);
      ASSERT_EQ(kv.second.size(), other.size()) << kv.first;
      EXPECT_EQ(std::memcmp(kv.second.data(), other.data(), sizeof(double) * kv.second.size()), 0)
          << what << " key " << kv.first;
    }
  }
}

TEST(CmaState, MismatchedStateIsRejected) {
  CmaOptions o;
  o.variant = CmaVariant::kSep;
  CmaEs a(Vector::Zero(5), o, Rng(1));
  CmaEs b(Vector::Zero(6), o, Rng(1));
  EXPECT_THROW(b.set_state(a.state()), RuntimeError);
  auto st = a.state();
  st.erase("ps");
  EXPECT_THROW(a.set_state(st), RuntimeError);
}

namespace {

// Lockstep: a float32 instance `s` and the double reference `d` (options
// differing only in single_precision, same seed) get the same z and the
// ranking of the double run, so every difference is float32 rounding.
// Returns the largest relative difference of the steps over `gens` generations.
double lockstep(CmaEs& s, CmaEs& d, const TestFunction& f, int gens) {
  const Index n = d.dim();
  Matrix Xs(n, s.popsize()), Xd(n, d.popsize());
  Vector fit(d.popsize());
  double max_rel = 0.0;
  for (int g = 0; g < gens; ++g) {
    s.ask(Xs);
    d.ask(Xd);
    const Matrix stepd = Xd.colwise() - d.mean();
    const Matrix steps = Xs.colwise() - s.mean();
    max_rel = std::max(max_rel, (steps - stepd).norm() / stepd.norm());
    for (Index j = 0; j < Xd.cols(); ++j) fit(j) = f(Xd.col(j));
    s.tell(fit);
    d.tell(fit);
  }
  return max_rel;
}

}  // namespace

TEST(CmaFloat32, MatrixFormSinglePrecisionTracksDouble) {
  // M and its GEMMs in float32 against double.
  const Index n = 60;
  const TestFunction f = make_test_function("rotated_ellipsoid", n, 5);
  CmaOptions o;
  o.variant = CmaVariant::kFull;
  o.full_form = CmaFullForm::kMatrix;
  o.active = true;
  o.sigma0 = 1.0;
  CmaOptions o32 = o, o64 = o;
  o32.single_precision = true;
  o64.single_precision = false;
  CmaEs s(f.x0, o32, Rng(8)), d(f.x0, o64, Rng(8));
  EXPECT_LT(lockstep(s, d, f, 300), 1e-4);
  EXPECT_LT(std::abs(s.sigma() - d.sigma()) / d.sigma(), 1e-4);
  EXPECT_LT((s.mean() - d.mean()).norm(), 1e-4 * (d.mean().norm() + d.sigma()));
  // The run did adapt M (not a trivial identity comparison).
  EXPECT_GT(d.condition(), 3.0);  // identity: 1; ~5 after 300 generations
  EXPECT_LT(std::abs(s.condition() - d.condition()) / d.condition(), 1e-3);
}

TEST(CmaFloat32, LmSinglePrecisionSamplingTracksDouble) {
  // LM-MA-ES: float32 applies the direction transforms in sampling, double is
  // the reference. n > 16 so that the vectorized main loop and the scalar tail
  // of the fused update both run.
  // Float32 streams its samples (never stores the double Z and Y; tell()
  // rebuilds the selected ones), so mirrored sampling, whose second half
  // negates the first, is checked too.
  const Index n = 203;
  const TestFunction f = make_test_function("rotated_ellipsoid", n, 5);
  for (const bool mirrored : {false, true}) {
    CmaOptions o;
    o.variant = CmaVariant::kLm;
    o.sigma0 = 1.0;
    o.popsize = mirrored ? 21 : 20;  // 2.5 blocks of 8 columns; 10 pairs and one
    o.mirrored = mirrored;
    CmaOptions o32 = o, o64 = o;
    o32.single_precision = true;
    o64.single_precision = false;
    CmaEs s(f.x0, o32, Rng(9)), d(f.x0, o64, Rng(9));
    SCOPED_TRACE(mirrored ? "mirrored" : "plain");
    EXPECT_LT(lockstep(s, d, f, 200), 1e-4);
    // The directions really transform the samples: y differs from sigma z.
    // (The state map must outlive the loop: a range-for over a member of a
    // temporary read freed memory, which AddressSanitizer caught.)
    const auto state = d.state();
    double transformed = 0.0;
    for (double x : state.at("lm_V")) transformed = std::max(transformed, std::abs(x));
    EXPECT_GT(transformed, 0.1);
    EXPECT_LT(std::abs(s.sigma() - d.sigma()) / d.sigma(), 1e-4);
    EXPECT_LT((s.mean() - d.mean()).norm(), 1e-4 * (d.mean().norm() + d.sigma()));
  }
}

TEST(CmaShared, AskSharedInAnyOrderEqualsAsk) {
  // Columns drawn in pieces, out of order and some only inside tell() (as on
  // a leader whose workers drew them) give the same run as ask().
  const Index n = 17;
  const TestFunction f = make_test_function("ellipsoid", n, 1);
  for (bool mirrored : {false, true}) {
    CmaOptions o;
    o.variant = CmaVariant::kSep;
    o.popsize = 12;
    o.mirrored = mirrored;
    o.sigma0 = 1.0;
    CmaEs a(f.x0, o, Rng(21)), b(f.x0, o, Rng(21));
    ASSERT_NE(CmaEs(f.x0, o, Rng(21)).ask_recipe(), nullptr);
    Matrix xa(n, 12), piece(n, 12);
    Vector fa(12), fb(12);
    for (int g = 0; g < 60; ++g) {
      a.ask(xa);
      for (Index j = 0; j < 12; ++j) fa(j) = f(xa.col(j));
      const GaussianRecipe& r = *b.ask_recipe();
      // Another rank's copy of the recipe draws columns 8..11 ...
      GaussianRecipe remote = r;
      Matrix z(n, 4);
      remote.draw(8, 12, z, piece.leftCols(4));
      for (Index j = 0; j < 4; ++j) fb(8 + j) = f(piece.col(j));
      // ... this rank draws 4..7, then 0..3; none of 8..11.
      b.materialize(4, 8, piece.leftCols(4));
      for (Index j = 0; j < 4; ++j) fb(4 + j) = f(piece.col(j));
      b.materialize(0, 4, piece.leftCols(4));
      for (Index j = 0; j < 4; ++j) fb(j) = f(piece.col(j));
      ASSERT_EQ(std::memcmp(fa.data(), fb.data(), sizeof(double) * 12), 0)
          << "generation " << g << (mirrored ? " mirrored" : "");
      a.tell(fa);
      b.tell(fb);
    }
    EXPECT_TRUE(same_bits(a.mean(), b.mean()));
    const double sa = a.sigma(), sb = b.sigma();
    EXPECT_EQ(std::memcmp(&sa, &sb, sizeof(double)), 0);
    EXPECT_LT(a.best_f(), 1e-2 * f(f.x0));  // it did optimize
  }
}

TEST(CmaShared, MisuseIsAnError) {
  CmaOptions o;
  o.variant = CmaVariant::kFull;
  CmaEs full(Vector::Zero(4), o, Rng(1));
  EXPECT_EQ(full.ask_recipe(), nullptr);  // full CMA-ES has no shared sampling
  Matrix x4(4, 2);
  EXPECT_THROW(full.materialize(0, 2, x4), RuntimeError);
  o.variant = CmaVariant::kSep;
  o.popsize = 6;
  CmaEs sep(Vector::Zero(4), o, Rng(1));
  Matrix x(4, 2);
  EXPECT_THROW(sep.materialize(0, 2, x), RuntimeError);  // no ask_recipe() yet
  sep.ask_recipe();
  EXPECT_THROW(sep.materialize(5, 7, x), RuntimeError);  // beyond lambda
  Matrix wrong(4, 3);
  EXPECT_THROW(sep.materialize(0, 2, wrong), RuntimeError);
}

// The batched float32 population evaluator against the double reference.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstddef>

#include "neurocma/optim/cmaes.hpp"
#include "neurocma/train/evaluator.hpp"

using namespace neurocma;

// Counts heap allocations while g_counting is set (steady-state test below).
// malloc itself is interposed (glibc), so Eigen's buffers and operator new
// are both seen.
namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

// AddressSanitizer has its own malloc, which this must not replace.
#if defined(__SANITIZE_ADDRESS__)
#define NEUROCMA_COUNT_MALLOC 0
#else
#define NEUROCMA_COUNT_MALLOC 1
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t n, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* malloc(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  return __libc_realloc(p, size);
}
}
#endif

namespace {

void check(Activation act, std::vector<Index> hidden, Index in, Index out, Index lambda,
           Index batch) {
  Mlp mlp({in, hidden, out, act});
  Rng rng(3, static_cast<std::uint64_t>(lambda), 9);
  Matrix cand(mlp.num_params(), lambda);
  const Vector p0 = mlp.init(rng);
  for (Index j = 0; j < lambda; ++j) {
    cand.col(j) = p0;
    for (Index i = 0; i < cand.rows(); ++i) cand(i, j) += 0.1 * rng.normal();
  }
  Matrix X(in, batch);
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform();
  std::vector<int> y(static_cast<size_t>(batch));
  for (auto& v : y) v = static_cast<int>(rng.below(static_cast<std::uint64_t>(out)));
  Vector ref(lambda), fast(lambda);
  reference_population_fitness(mlp, cand, X, y, ref);
  BatchedMlpEvaluator ev(mlp);
  ev.evaluate(cand, X, y, fast);
  for (Index j = 0; j < lambda; ++j) EXPECT_NEAR(fast(j), ref(j), 1e-5 * (1 + ref(j))) << j;
  // A second call with the same buffers gives identical values.
  Vector again(lambda);
  ev.evaluate(cand, X, y, again);
  EXPECT_EQ(fast, again);
}

}  // namespace

TEST(BatchedEvaluator, MatchesReferenceRelu) {
  check(Activation::kRelu, {32}, 196, 10, 12, 64);
}
TEST(BatchedEvaluator, MatchesReferenceTanh) {
  check(Activation::kTanh, {7}, 4, 3, 5, 17);
}
TEST(BatchedEvaluator, MatchesReferenceSigmoidDeep) {
  check(Activation::kSigmoid, {10, 6}, 20, 4, 9, 33);
}

TEST(BatchedEvaluator, NonFiniteCandidateIsInfinite) {
  Mlp mlp({3, {4}, 2, Activation::kRelu});
  Rng rng(1);
  Matrix cand(mlp.num_params(), 2);
  cand.col(0) = mlp.init(rng);
  cand.col(1) = cand.col(0);
  cand(0, 1) = std::numeric_limits<double>::quiet_NaN();
  Matrix X = Matrix::Ones(3, 5);
  Vector f(2);
  BatchedMlpEvaluator(mlp).evaluate(cand, X, {0, 1, 0, 1, 0}, f);
  EXPECT_TRUE(std::isfinite(f(0)));
  EXPECT_TRUE(std::isinf(f(1)));
}

TEST(BatchedEvaluator, SubsetOfCandidatesGivesSameValues) {
  // Fitness of a candidate must not depend on which others are evaluated with
  // it: the MPI split relies on this for bit-identical results.
  Mlp mlp({196, {32}, 10, Activation::kRelu});
  Rng rng(5);
  Matrix cand(mlp.num_params(), 10);
  for (Index j = 0; j < 10; ++j) cand.col(j) = mlp.init(rng);
  Matrix X(196, 40);
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform();
  std::vector<int> y(40, 3);
  Vector all(10), part(3);
  BatchedMlpEvaluator ev(mlp);
  ev.evaluate(cand, X, y, all);
  BatchedMlpEvaluator ev2(mlp);
  ev2.evaluate(cand.middleCols(4, 3), X, y, part);
  for (Index j = 0; j < 3; ++j) EXPECT_EQ(part(j), all(4 + j));
}

TEST(SerialEvaluator, StreamedSharedGenerationGivesTheBitsOfMaterializedCandidates) {
  // SerialEvaluator draws a sep generation column by column straight into its
  // float layout; the candidates of ask() on a twin instance, evaluated as a
  // matrix, must give the same fitness bits, and the two instances must stay
  // identical after tell() (tell() forms y for the selected columns only).
  Mlp mlp({12, {5}, 3, Activation::kRelu});
  Rng init(8);
  const Vector p0 = mlp.init(init);
  CmaOptions opt;
  opt.variant = CmaVariant::kSep;
  opt.popsize = 9;
  opt.sigma0 = 0.3;
  opt.mirrored = true;
  CmaEs streamed(p0, opt, Rng(4)), twin(p0, opt, Rng(4));
  Dataset d;
  d.num_classes = 3;
  d.X.resize(12, 40);
  for (Index i = 0; i < d.X.size(); ++i) d.X.data()[i] = init.uniform();
  for (Index i = 0; i < 40; ++i) d.y.push_back(static_cast<int>(init.below(3)));
  std::vector<Index> idx(25);
  for (Index i = 0; i < 25; ++i) idx[static_cast<size_t>(i)] = (7 * i) % 40;
  const Batch batch{&d, idx.data(), 25};
  SerialEvaluator serial(mlp);
  BatchedMlpEvaluator plain(mlp);
  Matrix cand(mlp.num_params(), opt.popsize);
  Vector f_streamed(opt.popsize), f_plain(opt.popsize);
  for (int gen = 0; gen < 4; ++gen) {
    OptimizerGeneration g(streamed);
    g.begin();
    serial.evaluate_shared(g, batch, f_streamed);
    twin.ask(cand);
    plain.evaluate(cand, batch, f_plain);
    ASSERT_EQ(f_streamed, f_plain) << "generation " << gen;
    streamed.tell(f_streamed);
    twin.tell(f_plain);
    ASSERT_EQ(streamed.mean(), twin.mean());
    ASSERT_EQ(streamed.sigma(), twin.sigma());
  }
  // A worker's share rebuilt from the recipe: columns [3, 7) only.
  OptimizerGeneration g(streamed);
  g.begin();
  RecipeGeneration remote(g.recipe());
  Vector part(4);
  serial.evaluate_columns(remote, 3, 7, batch, part);
  twin.ask(cand);
  plain.evaluate(cand, batch, f_plain);
  EXPECT_EQ(part, f_plain.segment(3, 4));
}

TEST(BatchedEvaluator, SkippingAllZeroInputsKeepsTheBits) {
  // MNIST-like batches: a border of features that are zero in every sample,
  // and scattered zeros elsewhere (those must stay in). With 196 inputs (one
  // k block of the GEMM) the bits are the full product's; with 300 the full
  // product spans two k blocks and the skipping one only one.
  for (const Index in : {Index{196}, Index{300}}) {
    Mlp mlp({in, {32}, 10, Activation::kRelu});
    Rng rng(12);
    const Index lambda = 7, batch = 40;
    Matrix cand(mlp.num_params(), lambda);
    for (Index j = 0; j < lambda; ++j) cand.col(j) = mlp.init(rng);
    Matrix X(in, batch);
    for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform() < 0.3 ? 0.0 : rng.uniform();
    const Index border = in / 5;
    for (Index p = 0; p < border; ++p) X.row(3 * p % in).setZero();
    std::vector<int> y(static_cast<size_t>(batch));
    for (auto& v : y) v = static_cast<int>(rng.below(10));
    // A NaN and a float-overflowing weight on zero features: the full product
    // gives those candidates infinite fitness, and so must the skipping one.
    const Index zero_feature = 3;  // row 3 is in the zeroed border
    cand(mlp.layers()[0].offset + zero_feature, 2) = std::numeric_limits<double>::quiet_NaN();
    cand(mlp.layers()[0].offset + zero_feature + 5 * in, 4) = 1e300;

    BatchedMlpEvaluator skipping(mlp), full(mlp);
    full.skip_zero_inputs(false);
    Vector f_skip(lambda), f_full(lambda);
    skipping.evaluate(cand, X, y, f_skip);
    full.evaluate(cand, X, y, f_full);
    SCOPED_TRACE(testing::Message() << "inputs " << in);
    EXPECT_EQ(skipping.active_inputs(), in - border);
    EXPECT_EQ(full.active_inputs(), in);
    if (in <= 256) {
      EXPECT_EQ(f_skip, f_full);  // one k block either way: the same sums
    } else {
      // The full product splits k into two blocks at a different point, so
      // the float sums round differently (a few ulps).
      for (Index j = 0; j < lambda; ++j) {
        if (std::isfinite(f_full(j))) {
          EXPECT_NEAR(f_skip(j), f_full(j), 1e-6 * f_full(j)) << j;
        }
      }
    }
    EXPECT_TRUE(std::isinf(f_full(2)));
    EXPECT_TRUE(std::isinf(f_full(4)));
    EXPECT_TRUE(std::isinf(f_skip(2)));
    EXPECT_TRUE(std::isinf(f_skip(4)));
    EXPECT_TRUE(std::isfinite(f_skip(0)));
  }
}

TEST(SerialEvaluator, SteadyStateGenerationAllocatesNothing) {
  // Issue #3: no allocation per candidate or per generation in the hot loop:
  // after two warm-up generations, sampling and evaluating a third one (the
  // streamed sep path, with a skipped input feature) calls malloc zero times.
  if (!NEUROCMA_COUNT_MALLOC) GTEST_SKIP() << "malloc is not interposed under AddressSanitizer";
  Mlp mlp({196, {32}, 10, Activation::kRelu});
  Rng init(3);
  const Vector p0 = mlp.init(init);
  CmaOptions opt;
  opt.variant = CmaVariant::kSep;
  opt.popsize = 10;
  CmaEs es(p0, opt, Rng(4));
  Dataset d;
  d.num_classes = 10;
  d.X.resize(196, 64);
  for (Index i = 0; i < d.X.size(); ++i) d.X.data()[i] = i % 7 == 0 ? 0.0 : init.uniform();
  d.X.row(0).setZero();  // a skipped feature
  for (Index i = 0; i < 64; ++i) d.y.push_back(static_cast<int>(init.below(10)));
  std::vector<Index> idx(32);
  for (Index i = 0; i < 32; ++i) idx[static_cast<size_t>(i)] = 2 * i;
  const Batch batch{&d, idx.data(), 32};
  SerialEvaluator serial(mlp);
  Vector f(opt.popsize);
  for (int warm = 0; warm < 2; ++warm) {
    OptimizerGeneration g(es);
    g.begin();
    serial.evaluate_shared(g, batch, f);
    es.tell(f);
  }
  OptimizerGeneration g(es);
  g.begin();
  g_allocations = 0;
  g_counting = true;
  serial.evaluate_shared(g, batch, f);
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
  EXPECT_TRUE(f.allFinite());
}

// MPI population evaluation: partitioning, bit-identical fitness against the
// serial evaluator for every group size, and the traffic counters.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstring>
#include <numeric>

#include "mpi/toy_evaluator.hpp"
#include "neurocma/optim/cmaes.hpp"
#include "neurocma/parallel/mpi_evaluator.hpp"

namespace neurocma {
namespace {

ParallelContext& context() {
  static ParallelContext ctx(nullptr, nullptr);  // MPI already initialised by main
  return ctx;
}

bool bit_equal(double a, double b) {
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

TEST(Partition, SharesCoverLambdaInWholeQuanta) {
  for (Index lambda : {0, 1, 5, 8, 13, 100, 101}) {
    for (int parts : {1, 2, 3, 4, 7}) {
      for (Index q : {1, 2, 4, 8}) {
        const std::vector<Index> c = partition_counts(lambda, parts, q);
        ASSERT_EQ(static_cast<int>(c.size()), parts);
        EXPECT_EQ(std::accumulate(c.begin(), c.end(), Index{0}), lambda);
        // Every share starts at a multiple of q: a batched GEMM then sees
        // each candidate at the same panel offset as the serial one.
        Index start = 0;
        for (int r = 0; r < parts; ++r) {
          EXPECT_EQ(start % q, 0) << "lambda " << lambda << " parts " << parts << " q " << q;
          start += c[static_cast<std::size_t>(r)];
        }
        // Balanced to one quantum; the leader never gets more than the others.
        const Index mx = *std::max_element(c.begin(), c.end());
        for (int r = 0; r + 1 < parts; ++r) EXPECT_GE(c[static_cast<std::size_t>(r)] + q, mx);
        for (int r = 1; r + 1 < parts; ++r) EXPECT_LE(c[0], c[static_cast<std::size_t>(r)]);
      }
    }
  }
  EXPECT_EQ(partition_counts(100, 2, 4), (std::vector<Index>{48, 52}));
  EXPECT_EQ(partition_counts(100, 3, 1), (std::vector<Index>{33, 33, 34}));
}

TEST(Partition, QuantumFromLayerWidths) {
  EXPECT_EQ(partition_quantum({32, 10}), 4);  // 10 columns per candidate: 4*10 = 40 = 5 panels
  EXPECT_EQ(partition_quantum({32}), 1);
  EXPECT_EQ(partition_quantum({3}), 8);
  EXPECT_EQ(partition_quantum({16, 6}), 4);
}

// Evaluates populations of several sizes through groups of `ranks` ranks and
// compares with a serial evaluation on every leader.
void check_group(int ranks, Index quantum) {
  ParallelContext& ctx = context();
  const Dataset data = test::toy_dataset(6, 40, 3);
  RankGroup group(ctx, ranks);
  auto local = std::make_unique<test::ToyEvaluator>();
  if (group.is_leader()) {
    MpiPopulationEvaluator ev(group, std::move(local), &data, quantum);
    test::ToyEvaluator serial;
    int gen = 0;
    for (Index lambda : {1, 3, 7, 16, 33, 100}) {
      const Index n = 9;
      const Matrix cand = test::toy_candidates(n, lambda, 100 + static_cast<std::uint64_t>(lambda));
      std::vector<Index> idx;
      for (Index i = 0; i < 25; ++i) idx.push_back((i * 7 + gen) % data.size());
      const Batch batch{&data, idx.data(), static_cast<Index>(idx.size())};
      Vector f_mpi(lambda), f_ser(lambda);
      ev.evaluate(cand, batch, f_mpi);
      serial.evaluate(cand, batch, f_ser);
      for (Index j = 0; j < lambda; ++j)
        EXPECT_TRUE(bit_equal(f_mpi(j), f_ser(j)))
            << "lambda " << lambda << " candidate " << j << ": " << f_mpi(j) << " vs " << f_ser(j);
      ++gen;
    }
    // Counted traffic equals the documented formula.
    const int p = group.size();
    long long bytes = 0;
    for (Index lambda : {1, 3, 7, 16, 33, 100}) {
      const Index own = partition_counts(lambda, p, quantum)[0];
      if (p > 1) bytes += (p - 1) * (64 + 25 * 4) + (lambda - own) * 9 * 8 + (lambda - own) * 8;
    }
    EXPECT_EQ(ev.traffic().bytes_sent + ev.traffic().bytes_received, bytes);
    EXPECT_EQ(ev.traffic().generations, p > 1 ? 6 : 0);
    ev.release_workers();
    // A batch of another data set is evaluated by the leader alone.
    const Dataset other = test::toy_dataset(6, 10, 4);
    std::vector<Index> idx{0, 1, 2};
    Vector f(5), g(5);
    const Matrix cand = test::toy_candidates(9, 5, 9);
    ev.evaluate(cand, Batch{&other, idx.data(), 3}, f);
    serial.evaluate(cand, Batch{&other, idx.data(), 3}, g);
    EXPECT_EQ(f, g);
  } else {
    serve_evaluations(group, *local, &data);
  }
}

// Counts via a shared counter object that outlives the evaluator.
TEST(MpiEvaluator, BitIdenticalToSerialForEveryGroupSize) {
  const int world = context().size();
  for (int ranks : {1, 2, 3, world})
    for (Index q : {1, 4, 8}) check_group(std::min(ranks, world), q);
}

// sep-CMA-ES with shared sampling: workers draw their own columns from the
// recipe. Fitness, and the strategy after many generations, must equal a
// serial ask() + evaluate() + tell() bit for bit; only the recipe travels.
void check_shared(int ranks, Index quantum, bool mirrored) {
  ParallelContext& ctx = context();
  const Dataset data = test::toy_dataset(6, 40, 3);
  RankGroup group(ctx, ranks);
  auto local = std::make_unique<test::ToyEvaluator>();
  if (!group.is_leader()) {
    serve_evaluations(group, *local, &data);
    return;
  }
  MpiPopulationEvaluator ev(group, std::move(local), &data, quantum);
  test::ToyEvaluator serial;
  const Index n = 9, lambda = 13;
  CmaOptions o;
  o.variant = CmaVariant::kSep;
  o.popsize = lambda;
  o.mirrored = mirrored;
  o.sigma0 = 0.5;
  CmaEs shared(Vector::Constant(n, 0.3), o, Rng(4, 0, Stream::kOptimizer));
  CmaEs plain(Vector::Constant(n, 0.3), o, Rng(4, 0, Stream::kOptimizer));
  Matrix cand(n, lambda);
  Vector f_shared(lambda), f_plain(lambda);
  OptimizerGeneration view(shared);
  const int gens = 30;
  for (int g = 0; g < gens; ++g) {
    std::vector<Index> idx;
    for (Index i = 0; i < 25; ++i) idx.push_back((i * 7 + g) % data.size());
    const Batch batch{&data, idx.data(), static_cast<Index>(idx.size())};
    view.begin();
    ev.evaluate_shared(view, batch, f_shared);
    plain.ask(cand);
    serial.evaluate(cand, batch, f_plain);
    // EXPECT, not ASSERT: the workers must be released whatever happens.
    for (Index j = 0; j < lambda; ++j)
      EXPECT_TRUE(bit_equal(f_shared(j), f_plain(j)))
          << "generation " << g << " candidate " << j << ": " << f_shared(j) << " vs "
          << f_plain(j);
    shared.tell(f_shared);
    plain.tell(f_plain);
  }
  for (Index i = 0; i < n; ++i) EXPECT_TRUE(bit_equal(shared.mean()(i), plain.mean()(i))) << i;
  EXPECT_TRUE(bit_equal(shared.sigma(), plain.sigma()));
  // Per generation and worker: header, batch indices, the recipe (2n + 2
  // doubles), and the fitness values back; no candidate columns.
  const int p = group.size();
  const Index own = partition_counts(lambda, p, quantum)[0];
  const long long per_gen =
      p > 1 ? (p - 1) * (64 + 25 * 4 + (2 * n + 2) * 8) + (lambda - own) * 8 : 0;
  EXPECT_EQ(ev.traffic().bytes_sent + ev.traffic().bytes_received, gens * per_gen);
  ev.release_workers();
}

TEST(MpiEvaluator, SharedSamplingBitIdenticalToSerialAskForEveryGroupSize) {
  const int world = context().size();
  for (int ranks : {1, 2, world})
    for (Index q : {1, 4})
      for (bool mirrored : {false, true}) check_shared(std::min(ranks, world), q, mirrored);
}

class CountingEvaluator : public PopulationEvaluator {
 public:
  explicit CountingEvaluator(long long& count) : m_count(count) {}
  void evaluate(const Eigen::Ref<const Matrix>& c, const Batch& b, Eigen::Ref<Vector> f) override {
    m_toy.evaluate(c, b, f);
    m_count += c.cols();
  }

 private:
  test::ToyEvaluator m_toy;
  long long& m_count;
};

TEST(MpiEvaluator, EveryCandidateEvaluatedOnceAndWorkersShareTheWork) {
  ParallelContext& ctx = context();
  const Dataset data = test::toy_dataset(4, 30, 5);
  RankGroup group(ctx, ctx.size());
  long long count = 0, lambda_total = 0;
  auto local = std::make_unique<CountingEvaluator>(count);
  if (group.is_leader()) {
    MpiPopulationEvaluator ev(group, std::move(local), &data, 1);
    for (Index lambda : {2, 5, 12, 40}) {
      const Matrix cand = test::toy_candidates(4, lambda, 1);
      std::vector<Index> idx{0, 3, 5, 8};
      Vector f(lambda);
      ev.evaluate(cand, Batch{&data, idx.data(), 4}, f);
      lambda_total += lambda;
    }
    ev.release_workers();
  } else {
    serve_evaluations(group, *local, &data);
  }
  long long sum = 0, expect = 0, min_count = 0;
  MPI_Allreduce(&count, &sum, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(&lambda_total, &expect, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(&count, &min_count, 1, MPI_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
  EXPECT_EQ(sum, expect);
  EXPECT_EQ(expect, 59);
  EXPECT_GT(min_count, 0);  // every rank evaluated something
}

}  // namespace
}  // namespace neurocma

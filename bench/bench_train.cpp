// Training and population-evaluation throughput on MNIST-14x14 sized data.
//
// Adam: samples/s of the full training step (gather batch, forward, backward,
// update) for a 196-32-10 relu MLP at batch 64, as in bench/peer_torch_adam.py.
// Population: GFLOP/s of BatchedMlpEvaluator (lambda = 100, batch 256) next to
// a plain float GEMM of the same first-layer shape, and the double reference.
// Synthetic inputs in [0, 1] stand in for MNIST: speed does not depend on the
// pixel values.
#include <benchmark/benchmark.h>

#include <numeric>
#include <sstream>

#include "neurocma/core/gemm.hpp"
#include "neurocma/core/memory.hpp"
#include "neurocma/data/transform.hpp"
#include "neurocma/io/data_loader.hpp"
#include "neurocma/optim/cmaes.hpp"
#include "neurocma/train/evaluator.hpp"
#include "neurocma/train/gradient_method.hpp"
#include "neurocma/train/population_method.hpp"
#include "neurocma/train/trainer.hpp"

using namespace neurocma;

namespace {

Dataset synthetic(Index n, Index features, int classes, std::uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.name = "synthetic";
  d.num_classes = classes;
  d.X.resize(features, n);
  for (Index i = 0; i < d.X.size(); ++i) d.X.data()[i] = rng.uniform();
  for (Index i = 0; i < n; ++i) d.y.push_back(static_cast<int>(rng.below(classes)));
  return d;
}

// Runs method.train_batch on consecutive batches of a shuffled order of d,
// one per benchmark iteration, wrapping around at the end.
void train_batches(benchmark::State& state, TrainingMethod& method, Vector& params,
                   const Dataset& d, Index batch, Rng& rng) {
  std::vector<Index> order(static_cast<size_t>(d.size()));
  std::iota(order.begin(), order.end(), Index{0});
  shuffle(order.begin(), order.end(), rng);
  Counters c;
  Index start = 0;
  for (auto _ : state) {
    if (start + batch > d.size()) start = 0;
    method.train_batch(params, Batch{&d, order.data() + start, batch}, c);
    start += batch;
  }
}

void BM_AdamStep(benchmark::State& state) {
  const Index batch = state.range(0);
  const Dataset d = synthetic(8192, 196, 10, 1);
  Mlp mlp({196, {32}, 10, Activation::kRelu});
  Rng rng(2);
  Vector params = mlp.init(rng);
  GradientMethod method(mlp, std::make_unique<Adam>(AdamOptions{}));
  train_batches(state, method, params, d, batch, rng);
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["samples_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * batch), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AdamStep)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);

// With $NEUROCMA_DATA_DIR holding MNIST, the batches are MNIST-14x14's: its
// all-zero border pixels let the evaluator skip part of the first layer, which
// uniform synthetic data would not show. The label names the data used.
Dataset training_set(std::string& source) {
  try {
    std::ostringstream warn;
    const std::string dir = find_dataset_dir("mnist", "");
    Dataset d = load_idx_dataset(dir, "train", "mnist", warn);
    d.X = average_pool(d.X, 28, 2);
    source = "mnist14";
    return d;
  } catch (const std::exception&) {
    source = "synthetic";
    return synthetic(50000, 196, 10, 5);
  }
}

// Times one population evaluation (batched or reference) of lambda random
// 196-32-10 candidates on a batch, reporting GFLOP/s.
// With a third argument of 1, the batch is the first `batch` MNIST-14x14
// training images (see training_set()), else uniform synthetic inputs.
void population_bench(benchmark::State& state, bool batched) {
  const Index lambda = state.range(0), batch = state.range(1);
  Mlp mlp({196, {32}, 10, Activation::kRelu});
  Rng rng(3);
  Matrix cand(mlp.num_params(), lambda);
  for (Index j = 0; j < lambda; ++j) cand.col(j) = mlp.init(rng);
  std::string source = "synthetic";
  Dataset d = synthetic(batch, 196, 10, 4);
  if (state.range(2) == 1) {
    Dataset all = training_set(source);
    d.X = all.X.leftCols(batch);
    d.y.assign(all.y.begin(), all.y.begin() + batch);
  }
  state.SetLabel(source);
  BatchedMlpEvaluator ev(mlp);
  Vector f(lambda);
  for (auto _ : state) {
    if (batched)
      ev.evaluate(cand, d.X, d.y, f);
    else
      reference_population_fitness(mlp, cand, d.X, d.y, f);
    benchmark::DoNotOptimize(f.data());
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(ev.flops(lambda, batch) * 1e-9 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

void BM_PopulationBatched(benchmark::State& state) {
  population_bench(state, true);
}
BENCHMARK(BM_PopulationBatched)
    ->Args({100, 256, 0})
    ->Args({100, 256, 1})
    ->Unit(benchmark::kMillisecond);

void BM_PopulationReference(benchmark::State& state) {
  population_bench(state, false);
}
BENCHMARK(BM_PopulationReference)->Args({100, 256, 0})->Unit(benchmark::kMillisecond);

// One whole-model CMA-ES training generation as the trainer runs it (sample,
// evaluate the population on a batch of the training set, tell),
// for the variant in range(0): 0 = sep, 1 = lm. The per-generation time of the
// Python side-by-side (bench/peer_sep_cmaes_training.py) is measured the same way.
void BM_TrainingGeneration(benchmark::State& state) {
  const CmaVariant variant = state.range(0) == 0 ? CmaVariant::kSep : CmaVariant::kLm;
  const Index lambda = state.range(1), batch = state.range(2);
  std::string source;
  Dataset d = training_set(source);
  advise_huge_pages(d.X.data(), sizeof(double) * static_cast<std::size_t>(d.X.size()));
  Mlp mlp({196, {32}, 10, Activation::kRelu});
  Rng rng(6);
  Vector params = mlp.init(rng);
  CmaOptions cma;
  cma.variant = variant;
  cma.popsize = lambda;
  cma.sigma0 = 0.05;
  PopulationMethodOptions opt;
  opt.blocks = {ParamBlock{0, mlp.num_params()}};
  opt.batch_size = batch;
  SerialEvaluator eval(mlp);
  const StrategyFactory make = [cma](const Eigen::Ref<const Vector>& mean0, Rng r) {
    return std::make_unique<CmaEs>(mean0, cma, r);
  };
  PopulationMethod method(mlp, params, opt, make, Rng(7), eval);
  train_batches(state, method, params, d, batch, rng);
  state.SetLabel(to_string(variant) + " " + source);
}
BENCHMARK(BM_TrainingGeneration)
    ->Args({0, 100, 256})
    ->Args({1, 100, 256})
    ->Unit(benchmark::kMillisecond);

// The machine's float GEMM throughput at the population's first-layer shape
// (batch x 196) * (196 x 32*lambda), and at a large square shape.
void BM_Gemm(benchmark::State& state) {
  const Index m = state.range(0), k = state.range(1), n = state.range(2);
  MatrixF a = MatrixF::Random(m, k), b = MatrixF::Random(k, n), c(m, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOPs"] = benchmark::Counter(
      2.0 * static_cast<double>(m * k * n) * 1e-9 * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Gemm)->Args({256, 196, 3200})->Args({1024, 1024, 1024})->Unit(benchmark::kMillisecond);

// neurocma's packed sgemm() at the same shapes, and at full MA-ES's sampling
// (n x n x lambda) and update (n x (mu+1) x n, B transposed) shapes; the last
// arguments are the thread count, B transposed, and A and C on huge pages.
void BM_Sgemm(benchmark::State& state) {
  const Index m = state.range(0), k = state.range(1), n = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  const bool trans_b = state.range(4) != 0;
  MatrixF a = MatrixF::Random(m, k), c = MatrixF::Zero(m, n);  // touched: no first-use page faults
  MatrixF b = trans_b ? MatrixF(MatrixF::Random(n, k)) : MatrixF(MatrixF::Random(k, n));
  if (state.range(5) != 0) {
    advise_huge_pages(a.data(), sizeof(float) * static_cast<std::size_t>(a.size()));
    advise_huge_pages(c.data(), sizeof(float) * static_cast<std::size_t>(c.size()));
  }
  for (auto _ : state) {
    sgemm(a, b, trans_b, trans_b ? 1.0f : 0.0f, c, threads);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOPs"] = benchmark::Counter(
      2.0 * static_cast<double>(m * k * n) * 1e-9 * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  state.SetLabel(sgemm_kernel());
}
BENCHMARK(BM_Sgemm)
    ->Args({256, 196, 3200, 1, 0, 0})
    ->Args({1024, 1024, 1024, 1, 0, 0})
    ->Args({6634, 6634, 100, 1, 0, 0})
    ->Args({6634, 6634, 100, 1, 0, 1})
    ->Args({6634, 6634, 100, 2, 0, 1})
    ->Args({6634, 51, 6634, 1, 1, 0})
    ->Args({6634, 51, 6634, 1, 1, 1})
    ->Args({6634, 51, 6634, 2, 1, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Gemm)->Args({6634, 6634, 100})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

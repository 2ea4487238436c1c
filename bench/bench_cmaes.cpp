// CMA-ES strategy overhead: one generation = ask() + sphere fitness + tell(),
// at the MNIST-MLP size n = 6634 with lambda = 100 (docs/cmaes.md "Generation
// overhead"). The sphere costs n * lambda flops, negligible next to the strategy.
// Validation inside the benchmark: every run must keep sigma and f finite.
//
//   build-cma/bin/bench_cmaes --benchmark_filter=Generation
// Arguments: {n, lambda}. full_eigen runs exactly one lazy-decomposition
// interval (13 generations at n = 6634, lambda = 100) so its mean is amortized.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "neurocma/core/gemm.hpp"
#include "neurocma/core/normal.hpp"
#include "neurocma/optim/cmaes.hpp"

using namespace neurocma;

namespace {

void BM_Generation(benchmark::State& state, CmaVariant v, CmaFullForm form, bool single,
                   int threads = 1) {
  set_sgemm_threads(threads);  // only the full matrix form's products use it
  const Index n = state.range(0);
  const Index lambda = state.range(1);
  CmaOptions o;
  o.variant = v;
  o.full_form = form;
  o.single_precision = single;
  o.popsize = lambda;
  o.sigma0 = 0.3;
  o.tolfun = 0.0;  // never stop inside the benchmark
  o.tolx = 0.0;
  o.max_condition = 1e300;
  CmaEs es(Vector::Constant(n, 1.0), o, Rng(1, 0, Stream::kOptimizer));
  Matrix X(n, lambda);
  Vector fit(lambda);
  for (auto _ : state) {
    es.ask(X);
    fit = X.colwise().squaredNorm().transpose();
    es.tell(fit);
    benchmark::DoNotOptimize(es.mean().data());
  }
  if (!std::isfinite(es.sigma()) || !std::isfinite(es.best_f()) ||
      es.best_f() > 2.0 * static_cast<double>(n))
    state.SkipWithError("CMA-ES diverged during the benchmark");
  state.counters["n"] = static_cast<double>(n);
  state.counters["lambda"] = static_cast<double>(lambda);
  state.counters["gen_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["threads"] = threads;
  set_sgemm_threads(1);
}

constexpr int kN = 6634;
constexpr int kLambda = 100;

}  // namespace

BENCHMARK_CAPTURE(BM_Generation, full_matrix_f32, CmaVariant::kFull, CmaFullForm::kMatrix, true)
    ->Args({kN, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();
// Both cores of the machine on full's two products (--threads 2).
BENCHMARK_CAPTURE(BM_Generation, full_matrix_f32_2threads, CmaVariant::kFull, CmaFullForm::kMatrix,
                  true, 2)
    ->Args({kN, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Generation, full_matrix_f64, CmaVariant::kFull, CmaFullForm::kMatrix, false)
    ->Args({kN, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Generation, sep, CmaVariant::kSep, CmaFullForm::kAuto, true)
    ->Args({kN, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Generation, lm, CmaVariant::kLm, CmaFullForm::kAuto, true)
    ->Args({kN, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();
// The eigen form at full size: one decomposition interval, once (minutes).
BENCHMARK_CAPTURE(BM_Generation, full_eigen, CmaVariant::kFull, CmaFullForm::kEigen, true)
    ->Args({kN, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(13)
    ->UseRealTime();
// Scaling of the eigen form at smaller n (decomposition interval 1-8 generations).
BENCHMARK_CAPTURE(BM_Generation, full_eigen_small, CmaVariant::kFull, CmaFullForm::kEigen, true)
    ->Args({500, kLambda})
    ->Args({1000, kLambda})
    ->Args({2000, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Generation, full_matrix_f32_small, CmaVariant::kFull, CmaFullForm::kMatrix,
                  true)
    ->Args({500, kLambda})
    ->Args({1000, kLambda})
    ->Args({2000, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();

// The kernels behind the full-form choice (docs/cmaes.md): the sampling product
// n x n times n x lambda in float and double, the double SYRK of the eigen form,
// and Eigen's symmetric eigensolver at n = 1500 (x (6634/1500)^3 for n = 6634).
namespace {

void BM_SampleGemmF32(benchmark::State& state) {
  const Index n = state.range(0), lambda = state.range(1);
  const MatrixF M = MatrixF::Random(n, n), Z = MatrixF::Random(n, lambda);
  MatrixF Y(n, lambda);
  for (auto _ : state) {
    Y.noalias() = M * Z;
    benchmark::DoNotOptimize(Y.data());
  }
  state.counters["GFLOPs"] = benchmark::Counter(2.0 * n * n * lambda * state.iterations() / 1e9,
                                                benchmark::Counter::kIsRate);
}
void BM_SampleGemmF64(benchmark::State& state) {
  const Index n = state.range(0), lambda = state.range(1);
  const Matrix M = Matrix::Random(n, n), Z = Matrix::Random(n, lambda);
  Matrix Y(n, lambda);
  for (auto _ : state) {
    Y.noalias() = M * Z;
    benchmark::DoNotOptimize(Y.data());
  }
  state.counters["GFLOPs"] = benchmark::Counter(2.0 * n * n * lambda * state.iterations() / 1e9,
                                                benchmark::Counter::kIsRate);
}
void BM_SyrkF64(benchmark::State& state) {
  const Index n = state.range(0), k = state.range(1);
  Matrix C = Matrix::Identity(n, n);
  const Matrix Y = Matrix::Random(n, k) * 1e-3;
  for (auto _ : state) {
    C.selfadjointView<Eigen::Lower>().rankUpdate(Y, 1e-6);
    benchmark::DoNotOptimize(C.data());
  }
}
void BM_EigenSolver(benchmark::State& state) {
  const Index n = state.range(0);
  Matrix A = Matrix::Random(n, n);
  A = (A + A.transpose()).eval();
  for (auto _ : state) {
    Eigen::SelfAdjointEigenSolver<Matrix> es(A);
    benchmark::DoNotOptimize(es.eigenvalues().data());
  }
}

}  // namespace

BENCHMARK(BM_SampleGemmF32)
    ->Args({kN, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_SampleGemmF64)
    ->Args({kN, kLambda})
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_SyrkF64)
    ->Args({kN, kLambda / 2 + 1})
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_EigenSolver)->Arg(1500)->Unit(benchmark::kMillisecond)->Iterations(2);

// The deviates of one generation (n x lambda = 663,400): Rng::normal() (polar
// method, double) against fill_normal() (float32 SIMD Box-Muller).
namespace {

void report_ns_per_deviate(benchmark::State& state) {
  state.counters["ns_per_deviate"] = benchmark::Counter(
      static_cast<double>(state.range(0)) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_NormalsPolar(benchmark::State& state) {
  std::vector<double> z(static_cast<size_t>(state.range(0)));
  Rng rng(3);
  for (auto _ : state) {
    for (double& x : z) x = rng.normal();
    benchmark::DoNotOptimize(z.data());
  }
  report_ns_per_deviate(state);
}
void BM_NormalsBlock(benchmark::State& state) {
  std::vector<double> z(static_cast<size_t>(state.range(0)));
  Rng rng(3);
  for (auto _ : state) {
    fill_normal(rng, z.data(), state.range(0));
    benchmark::DoNotOptimize(z.data());
  }
  report_ns_per_deviate(state);
}

}  // namespace

BENCHMARK(BM_NormalsPolar)->Arg(kN* kLambda)->Unit(benchmark::kMillisecond)->Repetitions(3);
BENCHMARK(BM_NormalsBlock)->Arg(kN* kLambda)->Unit(benchmark::kMillisecond)->Repetitions(3);

BENCHMARK_MAIN();

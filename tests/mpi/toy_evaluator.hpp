// A small deterministic stand-in for the MLP evaluator used by the MPI tests:
// fitness(j) depends only on candidate j and the batch, never on which rank or
// in which share it is evaluated.
#pragma once
#include <cmath>

#include "neurocma/core/rng.hpp"
#include "neurocma/train/evaluator.hpp"

namespace neurocma::test {

inline Dataset toy_dataset(Index features, Index samples, std::uint64_t seed) {
  Dataset d;
  d.name = "toy";
  d.num_classes = 3;
  d.X.resize(features, samples);
  Rng rng(seed, 7, Stream::kUser);
  for (Index j = 0; j < samples; ++j) {
    for (Index i = 0; i < features; ++i) d.X(i, j) = rng.normal();
    d.y.push_back(static_cast<int>(rng.below(3)));
  }
  return d;
}

inline Matrix toy_candidates(Index n, Index lambda, std::uint64_t seed) {
  Matrix c(n, lambda);
  Rng rng(seed, 11, Stream::kUser);
  for (Index j = 0; j < lambda; ++j)
    for (Index i = 0; i < n; ++i) c(i, j) = rng.normal();
  return c;
}

class ToyEvaluator : public PopulationEvaluator {
 public:
  void evaluate(const Eigen::Ref<const Matrix>& candidates, const Batch& batch,
                Eigen::Ref<Vector> fitness) override {
    const Dataset& d = *batch.data;
    for (Index j = 0; j < candidates.cols(); ++j) {
      double s = 0;
      for (Index b = 0; b < batch.count; ++b) {
        const Index k = batch.index[b];
        const double z = candidates.col(j).head(d.features()).dot(d.X.col(k));
        s += std::tanh(z) * (d.y[static_cast<std::size_t>(k)] + 1);
      }
      fitness(j) = s / static_cast<double>(batch.count) + 1e-3 * candidates.col(j).squaredNorm();
    }
    evaluated += candidates.cols();
  }
  long long evaluated = 0;
};

}  // namespace neurocma::test

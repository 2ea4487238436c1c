// Gaussian random search around the incumbent: the smallest strategy behind
// the PopulationOptimizer seam, and the worked example of docs/architecture.md.
// Each generation samples x_j = incumbent + sigma0 * z_j (z_j ~ N(0, I), shared
// sampling through a GaussianRecipe); the best candidate ever told becomes the
// incumbent. sigma stays at sigma0. A baseline, not a method to train with.
#pragma once
#include "neurocma/core/rng.hpp"
#include "neurocma/optim/population.hpp"

namespace neurocma {

struct RandomSearchOptions {
  Index popsize = 16;  // candidates per generation, >= 1
  double sigma0 = 0.05;
};

class RandomSearch : public PopulationOptimizer {
 public:
  // mean0: the start point (the first incumbent, not evaluated). Throws
  // ConfigError for popsize < 1 or sigma0 <= 0.
  RandomSearch(const Eigen::Ref<const Vector>& mean0, const RandomSearchOptions& opt, Rng rng);

  Index dim() const override { return m_incumbent.size(); }
  Index popsize() const override { return m_opt.popsize; }
  void ask(Eigen::Ref<Matrix> candidates) override;
  const GaussianRecipe* ask_recipe() override;
  void materialize(Index c0, Index c1, Eigen::Ref<Matrix> candidates) override;
  void tell(const Eigen::Ref<const Vector>& fitness) override;

  const Vector& mean() const override { return m_incumbent; }
  const Vector& best_x() const override { return m_incumbent; }
  double best_f() const override { return m_best_f; }
  long long evals() const override { return m_evals; }
  long long generation() const override { return m_gen; }
  StopReason stop() const override { return StopReason::kNone; }
  Diagnostics diagnostics() const override;
  StateMap state() const override;
  void set_state(const StateMap& s) override;

 private:
  RandomSearchOptions m_opt;
  Vector m_incumbent;
  double m_best_f;
  Rng m_rng;
  long long m_gen = 0, m_evals = 0;
  GaussianRecipe m_recipe;
  bool m_asked = false;
};

}  // namespace neurocma

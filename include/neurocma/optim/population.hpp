// The seam every evolution strategy implements: ask / tell over a population
// of candidate parameter vectors (EvoJAX's NEAlgorithm, evosax's Strategy,
// libcmaes' ask/tell split). The training loop, MPI, checkpoints and tuning
// work through this interface only; docs/architecture.md shows how to add a
// strategy.
#pragma once
#include <cstdint>
#include <limits>
#include <string>

#include "neurocma/core/state.hpp"
#include "neurocma/core/types.hpp"

namespace neurocma {

// Why a strategy asks to stop. Numerical events are outcomes, not exceptions.
enum class StopReason { kNone, kTolFun, kTolX, kConditionCov, kMaxEvals, kNoEffect };
std::string to_string(StopReason s);  // none | tolfun | tolx | conditioncov | maxevals | noeffect

// The candidates of one generation of a diagonal-Gaussian strategy as a
// recipe that any rank can rebuild: column j is
//   x_j = mean + sigma * (scale .* z_j),
// z_j from draw_column_normals(seed, j) and, for j >= mirror_from (mirrored or
// antithetic sampling), z_j = -z_(j - mirror_from). 2n + 4 numbers instead of
// n * lambda.
struct GaussianRecipe {
  std::uint64_t seed = 0;
  double sigma = 1.0;
  Index lambda = 0, mirror_from = 0;
  Vector mean, scale;
  // z and x of columns [c0, c1) into columns 0 .. c1-c0 of z and x (n rows).
  void draw(Index c0, Index c1, Eigen::Ref<Matrix> z, Eigen::Ref<Matrix> x) const;
  // z of column j alone (n values).
  void draw_z(Index j, double* z) const;
};

// The z of candidate j in a generation with sampling seed `seed`: the
// fill_normal() deviates of Rng(seed, j, Stream::kOptimizer). Every column has
// its own stream, so any rank can draw any column, in any order.
void draw_column_normals(std::uint64_t seed, Index j, Index n, double* z);
// The same deviates as floats (exactly the same values).
void draw_column_normals(std::uint64_t seed, Index j, Index n, float* z);

// What a strategy reports per epoch (NaN where it has no such quantity).
struct Diagnostics {
  double sigma = std::numeric_limits<double>::quiet_NaN();      // step size
  double condition = std::numeric_limits<double>::quiet_NaN();  // of its covariance
};

class PopulationOptimizer {
 public:
  virtual ~PopulationOptimizer() = default;

  virtual Index dim() const = 0;
  virtual Index popsize() const = 0;  // lambda

  // Samples lambda candidates (n x lambda, column = candidate).
  virtual void ask(Eigen::Ref<Matrix> candidates) = 0;
  // Begins a generation whose candidates any rank can rebuild from the
  // returned recipe, or returns nullptr (and changes nothing) when the
  // strategy cannot share its samples that way; then use ask().
  virtual const GaussianRecipe* ask_recipe() { return nullptr; }
  // Columns [c0, c1) of the generation begun by ask_recipe() into
  // `candidates` (n x (c1 - c0)). The numbers equal those of ask().
  virtual void materialize(Index c0, Index c1, Eigen::Ref<Matrix> candidates);
  // fitness(j) belongs to column j of the generation; minimised. NaN and
  // infinity rank last.
  virtual void tell(const Eigen::Ref<const Vector>& fitness) = 0;

  virtual const Vector& mean() const = 0;
  virtual const Vector& best_x() const = 0;  // best candidate ever told
  virtual double best_f() const = 0;
  virtual long long evals() const = 0;
  virtual long long generation() const = 0;
  virtual StopReason stop() const = 0;
  virtual Diagnostics diagnostics() const = 0;

  // Complete state, taken between tell() and the next ask(); set_state() on an
  // instance built with the same options continues bit-identically. Throws
  // RuntimeError on a state that does not fit.
  virtual StateMap state() const = 0;
  virtual void set_state(const StateMap& s) = 0;
};

}  // namespace neurocma

// CMA-ES with an ask/tell interface.
//
// Reference: N. Hansen, "The CMA Evolution Strategy: A Tutorial",
// arXiv:1604.00772 (2016/2023). Equation numbers in cmaes.cpp refer to it.
// Variants: full covariance, sep-CMA-ES (Ros & Hansen 2008, diagonal), and
// LM-MA-ES (Loshchilov, Glasmachers & Beyer 2017, limited memory).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "neurocma/core/rng.hpp"
#include "neurocma/core/types.hpp"
#include "neurocma/optim/population.hpp"

namespace neurocma {

enum class CmaVariant { kFull, kSep, kLm };
// The default population size and LM-MA-ES memory for dimension n >= 1
// (Hansen's 4 + floor(3 ln n); [LGB] use the same for m).
Index default_popsize(Index n);
CmaVariant parse_cma_variant(const std::string& s);  // "full" | "sep" | "lm"; throws ConfigError
std::string to_string(CmaVariant v);

// How the `full` variant represents the covariance (docs/cmaes.md explains the choice).
//  kEigen:  C itself, rank-one + rank-mu update (tutorial eq. 47), lazy
//           eigendecomposition C = B D^2 B^T. O(n^3) per decomposition.
//  kMatrix: MA-ES (Beyer & Sendhoff 2017): a factor M with C ~ M M^T, updated
//           by one rank-(mu+1) GEMM; no decomposition at all.
//  kAuto:   kEigen for n <= kCmaAutoEigenMaxDim, else kMatrix.
enum class CmaFullForm { kAuto, kEigen, kMatrix };
constexpr Index kCmaAutoEigenMaxDim = 400;
CmaFullForm parse_cma_full_form(const std::string& s);  // "auto" | "eigen" | "matrix"
std::string to_string(CmaFullForm f);

struct CmaOptions {
  CmaVariant variant = CmaVariant::kSep;
  Index popsize = 0;      // lambda; 0 = default 4 + floor(3 ln n)
  double sigma0 = 0.1;    // > 0
  bool active = false;    // negative weights (active CMA), tutorial eq. (53)
  bool mirrored = false;  // mirrored sampling: candidates come in pairs m +- sigma*y
  double tolfun = 1e-12;  // stop when the f range of recent generations < tolfun
  double tolx = 1e-12;    // stop when sigma * max std < tolx
  double max_condition = 1e14;
  long long max_evals = 0;  // 0 = no limit
  Index lm_memory = 0;      // LM-MA-ES direction vectors; 0 = 4 + floor(3 ln n)
  CmaFullForm full_form = CmaFullForm::kAuto;
  // kMatrix form only: keep M and its GEMMs in float32 (M = scale * M32 with
  // the decay in a double scalar). false = the double-precision reference.
  bool single_precision = true;
};

// Validates options for dimension n; throws ConfigError naming the field.
void validate(const CmaOptions& opt, Index n);

class CmaEs : public PopulationOptimizer {
 public:
  // mean0: start point (size n). rng: the run's optimizer stream, owned from now on.
  CmaEs(const Eigen::Ref<const Vector>& mean0, const CmaOptions& opt, Rng rng);
  ~CmaEs() override;
  CmaEs(CmaEs&&) noexcept;
  CmaEs& operator=(CmaEs&&) noexcept;

  Index dim() const override;
  Index popsize() const override;
  Index mu() const;
  // Resolved covariance form of the full variant (kEigen or kMatrix; kAuto never).
  CmaFullForm full_form() const;
  // Recombination weights, size lambda, sorted best first (eq. 49-53).
  const Vector& weights() const;
  // Samples lambda candidates into `candidates` (n x lambda, column = candidate).
  void ask(Eigen::Ref<Matrix> candidates) override;
  // fitness(j) belongs to column j of the last ask(); minimised. NaN/inf rank last.
  void tell(const Eigen::Ref<const Vector>& fitness) override;

  // Shared sampling (sep only; nullptr for full and lm): ask_recipe() begins a
  // generation without drawing it and returns its recipe, so that other ranks
  // can rebuild their own candidates; materialize() draws columns [c0, c1)
  // into candidates (n x (c1 - c0)). tell() draws whatever selected column was
  // not materialized here. ask() is ask_recipe() + materialize(0, lambda), so
  // the numbers are the same either way.
  const GaussianRecipe* ask_recipe() override;
  void materialize(Index c0, Index c1, Eigen::Ref<Matrix> candidates) override;

  const Vector& mean() const override;
  double sigma() const;
  // Condition number of C (full/eigen: eigenvalue ratio at the last
  // decomposition; full/matrix: squared singular-value ratio of M, computed on
  // demand, O(n^3), cached per generation; sep: ratio of diagonal entries; lm: NaN).
  double condition() const;
  // sigma, and condition() except where it costs O(n^3) per call (the matrix
  // form above n = 1000: NaN).
  Diagnostics diagnostics() const override;
  long long evals() const override;
  long long generation() const override;
  StopReason stop() const override;
  const Vector& best_x() const override;  // best candidate ever evaluated
  double best_f() const override;

  // Complete state as named arrays (checkpointing), including the Rng. Take it
  // between tell() and the next ask(). set_state() takes what state() returned
  // for an instance built with the same mean0 size and options; the restored
  // instance continues bit-identically.
  StateMap state() const override;
  void set_state(const StateMap& s) override;

  struct Impl;

 private:
  std::unique_ptr<Impl> m_impl;
};

}  // namespace neurocma

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

namespace neurocma {

enum class CmaVariant { kFull, kSep, kLm };
CmaVariant parse_cma_variant(const std::string& s);  // "full" | "sep" | "lm"; throws ConfigError
std::string to_string(CmaVariant v);

enum class CmaStop { kNone, kTolFun, kTolX, kConditionCov, kMaxEvals, kNoEffect };
std::string to_string(CmaStop s);

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

// The z of candidate j in a generation with sampling seed `seed`: the
// fill_normal() deviates of Rng(seed, j, Stream::kOptimizer). Every column
// has its own stream, so any rank can draw any column, in any order.
void draw_column_normals(std::uint64_t seed, Index j, Index n, double* z);
// The same deviates as floats (exactly the same values).
void draw_column_normals(std::uint64_t seed, Index j, Index n, float* z);

// The candidates of one sep-CMA-ES generation as a recipe that any rank can
// rebuild: column j is x_j = mean + sigma * (scale .* z_j), with z_j from
// draw_column_normals(seed, j) and, for j >= mirror_from (mirrored sampling),
// z_j = -z_(j - mirror_from). 2n + 4 numbers instead of n * lambda.
struct SampleRecipe {
  std::uint64_t seed = 0;
  double sigma = 1.0;
  Index lambda = 0, mirror_from = 0;
  Vector mean, scale;  // scale = sqrt(diag C)
  // z and x of columns [c0, c1) into columns 0 .. c1-c0 of z and x (n rows).
  void draw(Index c0, Index c1, Eigen::Ref<Matrix> z, Eigen::Ref<Matrix> x) const;
  // z of column j alone (n values).
  void draw_z(Index j, double* z) const;
};

class CmaEs {
 public:
  // mean0: start point (size n). rng: the run's optimizer stream, owned from now on.
  CmaEs(const Eigen::Ref<const Vector>& mean0, const CmaOptions& opt, Rng rng);
  ~CmaEs();
  CmaEs(CmaEs&&) noexcept;
  CmaEs& operator=(CmaEs&&) noexcept;

  Index dim() const;
  Index popsize() const;
  Index mu() const;
  // Resolved covariance form of the full variant (kEigen or kMatrix; kAuto never).
  CmaFullForm full_form() const;
  // Recombination weights, size lambda, sorted best first (eq. 49-53).
  const Vector& weights() const;
  // Samples lambda candidates into `candidates` (n x lambda, column = candidate).
  void ask(Eigen::Ref<Matrix> candidates);
  // fitness(j) belongs to column j of the last ask(); minimised. NaN/inf rank last.
  void tell(const Eigen::Ref<const Vector>& fitness);

  // Shared sampling (sep only): ask_shared() begins a generation without
  // drawing it and returns its recipe, so that other ranks can rebuild their
  // own candidates; materialize() draws columns [c0, c1) into candidates
  // (n x (c1 - c0)). tell() draws whatever selected column was not
  // materialized here. ask() is ask_shared() + materialize(0, lambda), so the
  // numbers are the same either way.
  bool shares_samples() const;
  const SampleRecipe& ask_shared();
  void materialize(Index c0, Index c1, Eigen::Ref<Matrix> candidates);

  const Vector& mean() const;
  double sigma() const;
  // Condition number of C (full/eigen: eigenvalue ratio at the last
  // decomposition; full/matrix: squared singular-value ratio of M, computed on
  // demand, O(n^3), cached per generation; sep: ratio of diagonal entries; lm: NaN).
  double condition() const;
  long long evals() const;
  long long generation() const;
  CmaStop stop() const;
  const Vector& best_x() const;  // best candidate ever evaluated
  double best_f() const;

  // Complete state as named arrays (checkpointing), including the Rng. Take it
  // between tell() and the next ask(). set_state() takes what state() returned
  // for an instance built with the same mean0 size and options; the restored
  // instance continues bit-identically.
  std::map<std::string, std::vector<double>> state() const;
  void set_state(const std::map<std::string, std::vector<double>>& s);

  struct Impl;

 private:
  std::unique_ptr<Impl> m_impl;
};

}  // namespace neurocma

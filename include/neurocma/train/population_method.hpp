// Training with any PopulationOptimizer: one strategy over all parameters
// (whole-model) or one per block (layerwise, per tensor, explicit sizes).
// For each mini-batch every block samples candidates for its own parameters
// while the other blocks stay at their current values (or, with
// BlockContext::kEpochStart, at their epoch-start values); all candidates are
// evaluated on the same batch, then all blocks are told at once.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "neurocma/core/rng.hpp"
#include "neurocma/model/mlp.hpp"
#include "neurocma/train/method.hpp"

namespace neurocma {

// Parameters installed after each generation.
enum class Selection {
  kMean,  // the distribution mean
  kBest,  // the best candidate ever told in the run (pycma's es.best.x; the study's)
};

// What the other blocks hold while one block's candidates are evaluated.
enum class BlockContext {
  kCurrent,     // their current values
  kEpochStart,  // the study's quirk: block 0 sees the current values, every
                // later block the values at the start of the epoch
};

// The fitness told to the strategy.
enum class FitnessScale {
  kMean,           // mean loss over the batch
  kMeanOverBatch,  // the study's: that mean divided by the batch size again
};

struct PopulationMethodOptions {
  std::vector<ParamBlock> blocks;  // partition of [0, n); one strategy per block
  Index batch_size = 0;            // per generation; 0 = the run's batch_size
  Selection select = Selection::kMean;
  BlockContext context = BlockContext::kCurrent;
  FitnessScale fitness = FitnessScale::kMean;
};

// Builds the strategy of one block from its start point (the block's slice of
// params0) and its own random stream.
using StrategyFactory = std::function<std::unique_ptr<PopulationOptimizer>(
    const Eigen::Ref<const Vector>& mean0, Rng rng)>;

class PopulationMethod : public TrainingMethod {
 public:
  // Block i's strategy gets Rng(rng(), i, Stream::kOptimizer). Throws
  // ConfigError when the blocks do not partition the parameters.
  PopulationMethod(const Mlp& mlp, const Eigen::Ref<const Vector>& params0,
                   const PopulationMethodOptions& opt, const StrategyFactory& make, Rng rng,
                   PopulationEvaluator& evaluator);
  Index batch_size() const override { return m_opt.batch_size; }
  void train_batch(Vector& params, const Batch& batch, Counters& counters) override;
  void begin_epoch(const Eigen::Ref<const Vector>& params) override;
  // sigma: geometric mean over blocks; condition: the largest finite one.
  Diagnostics diagnostics() const override;
  StopReason stop() const override;  // the first block's that asks to stop
  StateMap state() const override;
  void set_state(const StateMap& s) override;
  PopulationOptimizer& strategy(std::size_t block) { return *m_es[block]; }
  std::size_t blocks() const { return m_es.size(); }

 private:
  const Mlp& m_mlp;
  PopulationMethodOptions m_opt;
  std::vector<std::unique_ptr<PopulationOptimizer>> m_es;
  PopulationEvaluator& m_eval;
  std::vector<Matrix> m_block_cand;
  std::vector<Vector> m_fitness_per_block;
  Matrix m_full_cand;
  Vector m_epoch_start;  // BlockContext::kEpochStart only
};

}  // namespace neurocma

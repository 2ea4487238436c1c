// How one mini-batch becomes a parameter update: the interface the training
// loop drives, implemented by GradientMethod (any GradientOptimizer) and
// PopulationMethod (any PopulationOptimizer, whole-model or per block).
#pragma once
#include <limits>

#include "neurocma/core/state.hpp"
#include "neurocma/core/types.hpp"
#include "neurocma/optim/population.hpp"
#include "neurocma/train/evaluator.hpp"
#include "neurocma/train/record.hpp"

namespace neurocma {

class TrainingMethod {
 public:
  virtual ~TrainingMethod() = default;
  // Batch size this method draws per step (0 = the run's batch_size).
  virtual Index batch_size() const { return 0; }
  virtual void train_batch(Vector& params, const Batch& batch, Counters& counters) = 0;
  // Called before the first mini-batch of every epoch with the parameters then.
  virtual void begin_epoch(const Eigen::Ref<const Vector>& params) { (void)params; }
  // Whether the method follows gradients (its mini-batch forward pass is then
  // the study's per-batch training pass, see Counters::study_evals()).
  virtual bool gradient_based() const { return false; }
  // Recorded per epoch (step size, condition).
  virtual Diagnostics diagnostics() const { return {}; }
  // StopReason::kNone unless the optimizer itself asks to stop (e.g. CMA-ES tolx).
  virtual StopReason stop() const { return StopReason::kNone; }
  // Complete optimizer state as named arrays, for checkpoints. Taken between
  // two train_batch() calls; set_state() on a method built from the same
  // config makes it continue bit-identically. Throws RuntimeError on a state
  // that does not fit.
  virtual StateMap state() const = 0;
  virtual void set_state(const StateMap& s) = 0;
};

}  // namespace neurocma

// Minimise an objective with any PopulationOptimizer until a target, a stop
// condition or the evaluation budget: the loop behind `neurocma optimize` and
// the test-function checks of every strategy.
#pragma once
#include "neurocma/optim/cmaes.hpp"
#include "neurocma/optim/population.hpp"
#include "neurocma/optim/test_functions.hpp"

namespace neurocma {

struct MinimizeResult {
  long long evals = 0;
  long long generations = 0;
  double best_f = 0.0;
  Vector best_x;
  bool reached = false;  // best_f <= target
  StopReason stop = StopReason::kNone;
};

// Stops after the generation in which best_f <= target, when the strategy's
// stop() fires, or (max_evals > 0) once it has spent max_evals evaluations
// (stop kMaxEvals).
MinimizeResult minimize(const Objective& f, PopulationOptimizer& es, double target,
                        long long max_evals = 0);

// The same with a CmaEs built from x0 (start mean, size n), opt and rng.
MinimizeResult minimize(const Objective& f, const Eigen::Ref<const Vector>& x0,
                        const CmaOptions& opt, Rng rng, double target);

}  // namespace neurocma

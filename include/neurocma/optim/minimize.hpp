// Minimise an objective with CmaEs until a target, a stop condition or the
// evaluation budget: the loop behind `neurocma optimize` and the CMA-ES tests.
#pragma once
#include "neurocma/optim/cmaes.hpp"
#include "neurocma/optim/test_functions.hpp"

namespace neurocma {

struct MinimizeResult {
  long long evals = 0;
  long long generations = 0;
  double best_f = 0.0;
  Vector best_x;
  bool reached = false;  // best_f <= target
  CmaStop stop = CmaStop::kNone;
};

// x0: start mean (size n). Stops after the generation in which best_f <= target,
// or when CmaEs::stop() fires (set opt.max_evals to bound the run).
MinimizeResult minimize(const Objective& f, const Eigen::Ref<const Vector>& x0,
                        const CmaOptions& opt, Rng rng, double target);

}  // namespace neurocma

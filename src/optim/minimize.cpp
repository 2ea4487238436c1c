// The ask / evaluate / tell loop (see minimize.hpp).
#include "neurocma/optim/minimize.hpp"

namespace neurocma {

MinimizeResult minimize(const Objective& f, PopulationOptimizer& es, double target,
                        long long max_evals) {
  Matrix X(es.dim(), es.popsize());
  Vector fit(es.popsize());
  MinimizeResult r;
  while (true) {
    es.ask(X);
    for (Index j = 0; j < X.cols(); ++j) fit(j) = f(X.col(j));
    es.tell(fit);
    if (es.best_f() <= target) {
      r.reached = true;
      break;
    }
    if (es.stop() != StopReason::kNone) break;
    if (max_evals > 0 && es.evals() >= max_evals) break;
  }
  r.evals = es.evals();
  r.generations = es.generation();
  r.best_f = es.best_f();
  r.best_x = es.best_x();
  r.stop = es.stop();
  if (r.stop == StopReason::kNone && !r.reached) r.stop = StopReason::kMaxEvals;
  return r;
}

MinimizeResult minimize(const Objective& f, const Eigen::Ref<const Vector>& x0,
                        const CmaOptions& opt, Rng rng, double target) {
  CmaEs es(x0, opt, rng);
  return minimize(f, es, target);
}

}  // namespace neurocma

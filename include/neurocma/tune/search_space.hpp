// Hyperparameter search spaces for `neurocma tune`: one range per tuned
// parameter, sampled on a linear or log scale, optionally as an integer.
// The samplers work in an "internal" space: log(x) on a log scale, x
// otherwise; integers are drawn continuously there and rounded (Optuna's way).
#pragma once
#include <string>
#include <vector>

namespace neurocma {

// One tuned parameter: x in [low, high].
struct ParamSpec {
  std::string name;  // lr | popsize | sigma0
  double low = 0, high = 0;
  bool log = false;      // sample log(x) uniformly / model it in log space
  bool integer = false;  // round to the nearest integer
};

// Parameters in a fixed order; a point is a vector of values in that order.
using SearchSpace = std::vector<ParamSpec>;

// Which parameters an optimizer type tunes, and their default ranges, is the
// optimizer registry's business (app/registry.hpp: OptimizerEntry::tunables).

// Checks one range. Throws ConfigError "FILE: key 'PREFIX.NAME.low': expected ..."
// for low > high, non-positive bounds on a log scale, negative bounds,
// non-integral integer bounds, popsize below 2 or a wrong int flag.
void validate_param(const ParamSpec& p, const std::string& file, const std::string& prefix);

// Internal (sampling) coordinates of a value, and back (rounded and clipped
// to [low, high] for integers).
double to_internal(const ParamSpec& p, double x);
double from_internal(const ParamSpec& p, double u);

// Range of the internal space: [T(low), T(high)], widened by half a step on
// both sides for integers so that every integer gets an equal share.
double internal_low(const ParamSpec& p);
double internal_high(const ParamSpec& p);

}  // namespace neurocma

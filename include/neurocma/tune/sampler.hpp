// Hyperparameter samplers: propose the next point of a search space given
// the trials so far. Samplers hold no state between calls; everything they
// use is the trial list and the Rng passed in, so a study resumed from its
// recorded trials continues exactly as it would have.
#pragma once
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "neurocma/core/rng.hpp"
#include "neurocma/tune/search_space.hpp"

namespace neurocma {

enum class TrialState { kOk, kFailed, kPending };

// A trial as the sampler sees it: its point (values in SearchSpace order, user
// units) and, when finished, its objective (lower is better).
struct TrialPoint {
  int number = 0;
  std::vector<double> x;
  double value = std::numeric_limits<double>::quiet_NaN();  // kOk only
  TrialState state = TrialState::kPending;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string name() const = 0;
  // Next point to evaluate. Redraws (up to 32 times, same rng) a point that
  // exactly equals a recorded or pending trial, so no configuration is
  // proposed twice while another draw is possible.
  std::vector<double> propose(const SearchSpace& space, const std::vector<TrialPoint>& trials,
                              Rng& rng) const;

 protected:
  virtual std::vector<double> draw(const SearchSpace& space, const std::vector<TrialPoint>& trials,
                                   Rng& rng) const = 0;
};

// One point uniformly in the internal space (log-uniform on log scales,
// uniform over the integers of a linear integer range).
std::vector<double> sample_uniform(const SearchSpace& space, Rng& rng);

class RandomSampler : public Sampler {
 public:
  std::string name() const override { return "random"; }

 protected:
  std::vector<double> draw(const SearchSpace& space, const std::vector<TrialPoint>& trials,
                           Rng& rng) const override;
};

// "tpe" or "random"; throws ConfigError otherwise.
std::unique_ptr<Sampler> make_sampler(const std::string& name);

}  // namespace neurocma

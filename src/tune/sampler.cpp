// Sampler base (duplicate avoidance), uniform random sampling and the factory.
#include "neurocma/tune/sampler.hpp"

#include "neurocma/core/error.hpp"
#include "neurocma/tune/tpe.hpp"

namespace neurocma {

std::vector<double> Sampler::propose(const SearchSpace& space,
                                     const std::vector<TrialPoint>& trials, Rng& rng) const {
  constexpr int kMaxDraws = 32;
  std::vector<double> x;
  for (int attempt = 0; attempt < kMaxDraws; ++attempt) {
    x = draw(space, trials, rng);
    bool duplicate = false;
    for (const TrialPoint& t : trials) {
      if (t.x == x) {
        duplicate = true;
        break;
      }
    }
    if (!duplicate) return x;
  }
  return x;  // a tiny integer space may have no fresh point left
}

std::vector<double> sample_uniform(const SearchSpace& space, Rng& rng) {
  std::vector<double> x(space.size());
  for (std::size_t i = 0; i < space.size(); ++i) {
    const ParamSpec& p = space[i];
    const double lo = internal_low(p), hi = internal_high(p);
    // hi - (hi - lo) * U[0,1) lies in (lo, hi]: a linear range with low = 0
    // (the study's lr and sigma0) never yields exactly 0.
    x[i] = from_internal(p, hi - (hi - lo) * rng.uniform());
  }
  return x;
}

std::vector<double> RandomSampler::draw(const SearchSpace& space,
                                        const std::vector<TrialPoint>& trials, Rng& rng) const {
  (void)trials;
  return sample_uniform(space, rng);
}

std::unique_ptr<Sampler> make_sampler(const std::string& name) {
  if (name == "tpe") return std::make_unique<TpeSampler>();
  if (name == "random") return std::make_unique<RandomSampler>();
  throw ConfigError("--sampler: expected 'tpe' or 'random', got '" + name + "'");
}

}  // namespace neurocma

// Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kegl,
// "Algorithms for Hyper-Parameter Optimization", NIPS 2011, section 4) with
// the defaults of Optuna's TPESampler (independent per parameter).
#pragma once
#include <vector>

#include "neurocma/tune/sampler.hpp"

namespace neurocma {

struct TpeOptions {
  int n_startup_trials = 10;  // finished trials before TPE takes over from random
  int n_ei_candidates = 24;   // draws from l(x) per proposal
  double prior_weight = 1.0;  // weight of the prior kernel N(mid, range)
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
};

// Size of the good set l(x) among n finished trials: min(ceil(0.1 n), 25).
int tpe_gamma(int n);

// Kernel weights for n observations in trial order (oldest first): 1 for
// n < 25, else a linear ramp from 1/n to 1 for all but the newest 25.
std::vector<double> tpe_weights(int n);

// A truncated Gaussian mixture on [low, high] in internal coordinates: one
// kernel per observation plus the prior. With discrete = true the mixture is
// a distribution over the integer grid low+0.5, ..., high-0.5 (bin masses).
class ParzenEstimator {
 public:
  // mus: observations in trial order; low/high: internal range (already
  // widened by half a step for integers).
  ParzenEstimator(const std::vector<double>& mus, double low, double high, bool discrete,
                  const TpeOptions& opt);
  // A draw in internal coordinates (on the grid when discrete).
  double sample(Rng& rng) const;
  // Log density (log bin mass when discrete) at internal coordinate x.
  double log_pdf(double x) const;

  const std::vector<double>& mus() const { return m_mus; }
  const std::vector<double>& sigmas() const { return m_sigmas; }
  const std::vector<double>& weights() const { return m_weights; }

 private:
  std::vector<double> m_mus, m_sigmas, m_weights;  // prior kernel last
  double m_low, m_high;
  bool m_discrete;
};

// Finished trials < n_startup_trials: uniform random. Otherwise the finished
// trials are split: the tpe_gamma(n) best successful ones form l(x); the
// other successful ones, failed trials (worst) and pending trials (a
// "constant liar": counted as bad so in-flight points are not proposed
// again) form g(x). Each parameter independently: n_ei_candidates draws from
// l, keep the one maximising log l(x) - log g(x).
class TpeSampler : public Sampler {
 public:
  explicit TpeSampler(const TpeOptions& opt = TpeOptions()) : m_opt(opt) {}
  std::string name() const override { return "tpe"; }
  const TpeOptions& options() const { return m_opt; }

 protected:
  std::vector<double> draw(const SearchSpace& space, const std::vector<TrialPoint>& trials,
                           Rng& rng) const override;

 private:
  TpeOptions m_opt;
};

}  // namespace neurocma

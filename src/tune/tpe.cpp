// Tree-structured Parzen Estimator.
//
// Bergstra, Bardenet, Bengio, Kegl, "Algorithms for Hyper-Parameter
// Optimization", NIPS 2011, sec. 4: split the observations at a quantile into
// a good set (density l(x)) and the rest (g(x)) and propose the candidate
// maximising l(x)/g(x) (eq. 4: EI is monotone in l/g). The estimator
// details follow the defaults of Optuna's TPESampler (v3): prior kernel
// N(mid, range) with weight 1, kernel width = larger gap to the sorted
// neighbours (prior and range ends included; the outermost kernels use their
// inner gap, consider_endpoints = false), clipped to
// [range / min(100, n + 2), range] ("magic clip"); weights ramp down for all
// but the newest 25 observations; integers as bin masses of a truncated
// Gaussian (linear scale) or rounded draws in log space (log scale).
#include "neurocma/tune/tpe.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace neurocma {

namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))
constexpr double kEps = 1e-12;

// log Phi(x) for the standard normal CDF, accurate far into the lower tail.
double log_ndtr(double x) {
  if (x > -20.0) return std::log(0.5 * std::erfc(-x / std::sqrt(2.0)));
  // Asymptotic series: Phi(x) ~ phi(x)/(-x) * (1 - 1/x^2 + 3/x^4 - 15/x^6).
  const double x2 = x * x;
  const double series = 1.0 - 1.0 / x2 + 3.0 / (x2 * x2) - 15.0 / (x2 * x2 * x2);
  return -0.5 * x2 - kLogSqrt2Pi - std::log(-x) + std::log(series);
}

// log(Phi(b) - Phi(a)) for a <= b without cancellation in either tail.
double log_ndtr_diff(double a, double b) {
  if (!(a < b)) return -INFINITY;
  if (a >= 0.0) return log_ndtr_diff(-b, -a);  // mirror into the lower tail
  if (b <= 0.0) {
    const double la = log_ndtr(a), lb = log_ndtr(b);
    return lb + std::log1p(-std::exp(la - lb));
  }
  // a < 0 < b: the mass is at least that of a short interval around 0.
  const double d = 0.5 * (std::erfc(-b / std::sqrt(2.0)) - std::erfc(-a / std::sqrt(2.0)));
  return std::log(d);
}

double log_sum_exp(const std::vector<double>& v) {
  double m = -INFINITY;
  for (double x : v) m = std::max(m, x);
  if (!std::isfinite(m)) return m;
  double s = 0.0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

bool is_ok(const TrialPoint& t) {
  return t.state == TrialState::kOk && std::isfinite(t.value);
}

}  // namespace

int tpe_gamma(int n) {
  return std::min(static_cast<int>(std::ceil(0.1 * n)), 25);
}

std::vector<double> tpe_weights(int n) {
  if (n <= 0) return {};
  if (n < 25) return std::vector<double>(static_cast<std::size_t>(n), 1.0);
  const int m = n - 25;  // older observations on a ramp
  std::vector<double> w(static_cast<std::size_t>(n), 1.0);
  const double start = 1.0 / n;
  for (int i = 0; i < m; ++i)
    w[static_cast<std::size_t>(i)] = m == 1 ? start : start + i * (1.0 - start) / (m - 1);
  return w;
}

ParzenEstimator::ParzenEstimator(const std::vector<double>& mus, double low, double high,
                                 bool discrete, const TpeOptions& opt)
    : m_low(low), m_high(high), m_discrete(discrete) {
  const std::size_t n = mus.size();
  const double range = high - low;
  const double prior_mu = 0.5 * (low + high);

  // Bandwidths: the prior takes part in the neighbour gaps.
  std::vector<double> with_prior(mus);
  with_prior.push_back(prior_mu);
  std::vector<std::size_t> order(with_prior.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return with_prior[a] < with_prior[b]; });
  std::vector<double> ends;  // low, sorted mus, high
  ends.reserve(with_prior.size() + 2);
  ends.push_back(low);
  for (std::size_t i : order) ends.push_back(with_prior[i]);
  ends.push_back(high);
  const std::size_t k = with_prior.size();
  std::vector<double> sorted_sigma(k);
  for (std::size_t i = 0; i < k; ++i)
    sorted_sigma[i] = std::max(ends[i + 1] - ends[i], ends[i + 2] - ends[i + 1]);
  if (!opt.consider_endpoints && ends.size() >= 4) {
    sorted_sigma.front() = ends[2] - ends[1];
    sorted_sigma.back() = ends[ends.size() - 2] - ends[ends.size() - 3];
  }
  std::vector<double> sigma(k);
  for (std::size_t i = 0; i < k; ++i) sigma[order[i]] = sorted_sigma[i];

  const double max_sigma = range;
  const double min_sigma =
      opt.consider_magic_clip ? range / std::min(100.0, 1.0 + static_cast<double>(n) + 1.0) : kEps;
  m_mus = mus;
  m_sigmas.resize(n);
  for (std::size_t i = 0; i < n; ++i) m_sigmas[i] = std::clamp(sigma[i], min_sigma, max_sigma);
  m_mus.push_back(prior_mu);
  m_sigmas.push_back(range);

  m_weights = tpe_weights(static_cast<int>(n));
  m_weights.push_back(n == 0 ? 1.0 : opt.prior_weight);
  const double total = std::accumulate(m_weights.begin(), m_weights.end(), 0.0);
  for (double& w : m_weights) w /= total;
}

double ParzenEstimator::sample(Rng& rng) const {
  // Component by weight, then a truncated normal draw by rejection: every mu
  // lies in [low, high] and sigma <= range, so a draw is accepted with
  // probability >= Phi(1) - Phi(0) = 0.34.
  const double u = rng.uniform();
  double acc = 0.0;
  std::size_t c = m_weights.size() - 1;
  for (std::size_t i = 0; i < m_weights.size(); ++i) {
    acc += m_weights[i];
    if (u < acc) {
      c = i;
      break;
    }
  }
  double x = m_mus[c];
  for (int tries = 0; tries < 1000; ++tries) {
    const double y = m_mus[c] + m_sigmas[c] * rng.normal();
    if (y >= m_low && y <= m_high) {
      x = y;
      break;
    }
  }
  if (m_discrete) {
    // Grid points low + 0.5 + j.
    const double top = std::floor(m_high - m_low - 0.5 + 0.5);
    const double j = std::clamp(std::round(x - m_low - 0.5), 0.0, std::max(0.0, top - 1.0));
    x = m_low + 0.5 + j;
  }
  return x;
}

double ParzenEstimator::log_pdf(double x) const {
  std::vector<double> terms(m_mus.size());
  for (std::size_t i = 0; i < m_mus.size(); ++i) {
    const double mu = m_mus[i], s = m_sigmas[i];
    const double a = (m_low - mu) / s, b = (m_high - mu) / s;
    const double log_norm = log_ndtr_diff(a, b);
    double lp;
    if (m_discrete) {
      lp = log_ndtr_diff((x - 0.5 - mu) / s, (x + 0.5 - mu) / s) - log_norm;
    } else {
      const double z = (x - mu) / s;
      lp = -0.5 * z * z - kLogSqrt2Pi - std::log(s) - log_norm;
    }
    terms[i] = std::log(m_weights[i]) + lp;
  }
  return log_sum_exp(terms);
}

std::vector<double> TpeSampler::draw(const SearchSpace& space,
                                     const std::vector<TrialPoint>& trials, Rng& rng) const {
  std::vector<const TrialPoint*> ok, rest;
  int finished = 0;
  for (const TrialPoint& t : trials) {
    if (t.state != TrialState::kPending) ++finished;
    (is_ok(t) ? ok : rest).push_back(&t);
  }
  if (finished < m_opt.n_startup_trials) return sample_uniform(space, rng);

  // Good set: the gamma(n) best successful trials (ties by trial number).
  std::stable_sort(ok.begin(), ok.end(), [](const TrialPoint* a, const TrialPoint* b) {
    return a->value < b->value || (a->value == b->value && a->number < b->number);
  });
  const std::size_t n_below = std::min<std::size_t>(tpe_gamma(finished), ok.size());
  std::vector<const TrialPoint*> below(ok.begin(), ok.begin() + static_cast<long>(n_below));
  std::vector<const TrialPoint*> above(ok.begin() + static_cast<long>(n_below), ok.end());
  above.insert(above.end(), rest.begin(), rest.end());  // failed and pending: worst
  const auto by_number = [](const TrialPoint* a, const TrialPoint* b) {
    return a->number < b->number;
  };
  std::stable_sort(below.begin(), below.end(), by_number);
  std::stable_sort(above.begin(), above.end(), by_number);

  std::vector<double> x(space.size());
  for (std::size_t i = 0; i < space.size(); ++i) {
    const ParamSpec& p = space[i];
    if (p.low == p.high) {
      x[i] = p.low;
      continue;
    }
    const bool discrete = p.integer && !p.log;
    const double lo = internal_low(p), hi = internal_high(p);
    std::vector<double> mus_below, mus_above;
    for (const TrialPoint* t : below) mus_below.push_back(to_internal(p, t->x[i]));
    for (const TrialPoint* t : above) mus_above.push_back(to_internal(p, t->x[i]));
    const ParzenEstimator l(mus_below, lo, hi, discrete, m_opt);
    const ParzenEstimator g(mus_above, lo, hi, discrete, m_opt);

    double best_score = -INFINITY, best_x = 0.0;
    for (int c = 0; c < m_opt.n_ei_candidates; ++c) {
      const double value = from_internal(p, l.sample(rng));
      const double t = to_internal(p, value);
      const double score = l.log_pdf(t) - g.log_pdf(t);
      if (c == 0 || score > best_score) {
        best_score = score;
        best_x = value;
      }
    }
    x[i] = best_x;
  }
  return x;
}

}  // namespace neurocma

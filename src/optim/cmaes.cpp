// CMA-ES: the algorithm every covariance form shares -- recombination
// weights and the Table 1 learning rates, ask/tell, the mean update, CSA with
// h_sigma and pc, the best candidate, the stop tests, the state. The forms
// are one file each: cma_eigen.cpp (full, C with an eigendecomposition),
// cma_maes.cpp (full, MA-ES factor), cma_sep.cpp (diagonal), cma_lm.cpp (LM).
//
// References (equation numbers are the tutorial's):
//  [T]  N. Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772.
//       Sampling eq. (38)-(40), mean eq. (41)-(42), weights eq. (49)-(53) and
//       Table 1 defaults, CSA eq. (43)-(44), pc eq. (45) with h_sigma,
//       covariance eq. (47) incl. the active w° of eq. (46)/(47).
//  [BS] H.-G. Beyer, B. Sendhoff, "Simplify Your Covariance Matrix Adaptation
//       Evolution Strategy", IEEE TEC 21(5), 2017 (MA-ES; see cmaes_matrix.cpp).
//  [RH] R. Ros, N. Hansen, "A Simple Modification in CMA-ES Achieving Linear
//       Time and Space Complexity", PPSN X, 2008 (sep-CMA-ES: c1, cmu * (n+2)/3).
//  [LGB] I. Loshchilov, T. Glasmachers, H.-G. Beyer, "Large Scale Black-box
//       Optimization by Limited-Memory Matrix Adaptation", IEEE TEC 23(2), 2019,
//       Algorithm 1 (LM-MA-ES).
#include "neurocma/optim/cmaes.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <sstream>

#include "cmaes_internal.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/core/gemm.hpp"
#include "neurocma/core/normal.hpp"

namespace neurocma {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

Index default_popsize(Index n) {
  return 4 + static_cast<Index>(std::floor(3.0 * std::log(static_cast<double>(n))));
}

CmaVariant parse_cma_variant(const std::string& s) {
  if (s == "full") return CmaVariant::kFull;
  if (s == "sep") return CmaVariant::kSep;
  if (s == "lm") return CmaVariant::kLm;
  throw ConfigError("optimizer: expected full, sep or lm, got '" + s + "'");
}

std::string to_string(CmaVariant v) {
  switch (v) {
    case CmaVariant::kFull:
      return "full";
    case CmaVariant::kSep:
      return "sep";
    case CmaVariant::kLm:
      return "lm";
  }
  return "?";
}

CmaFullForm parse_cma_full_form(const std::string& s) {
  if (s == "auto") return CmaFullForm::kAuto;
  if (s == "eigen") return CmaFullForm::kEigen;
  if (s == "matrix") return CmaFullForm::kMatrix;
  throw ConfigError("full_form: expected auto, eigen or matrix, got '" + s + "'");
}

std::string to_string(CmaFullForm f) {
  switch (f) {
    case CmaFullForm::kAuto:
      return "auto";
    case CmaFullForm::kEigen:
      return "eigen";
    case CmaFullForm::kMatrix:
      return "matrix";
  }
  return "?";
}

void validate(const CmaOptions& opt, Index n) {
  if (n < 1) throw ConfigError("dimension: expected >= 1, got " + std::to_string(n));
  if (opt.popsize != 0 && opt.popsize < 2)
    throw ConfigError("popsize: expected >= 2 (or 0 for the default), got " +
                      std::to_string(opt.popsize));
  if (!std::isfinite(opt.sigma0) || opt.sigma0 <= 0.0)
    throw ConfigError("sigma0: expected a finite value > 0, got " + fmt(opt.sigma0));
  if (opt.lm_memory < 0)
    throw ConfigError("lm_memory: expected >= 0, got " + std::to_string(opt.lm_memory));
  if (!(opt.tolfun >= 0.0)) throw ConfigError("tolfun: expected >= 0, got " + fmt(opt.tolfun));
  if (!(opt.tolx >= 0.0)) throw ConfigError("tolx: expected >= 0, got " + fmt(opt.tolx));
  if (!(opt.max_condition > 1.0))
    throw ConfigError("max_condition: expected > 1, got " + fmt(opt.max_condition));
  if (opt.max_evals < 0)
    throw ConfigError("max_evals: expected >= 0, got " + std::to_string(opt.max_evals));
}

void CmaEs::Impl::setup(const Eigen::Ref<const Vector>& mean0, const CmaOptions& o) {
  opt = o;
  n = mean0.size();
  validate(opt, n);
  if (!mean0.allFinite()) throw ConfigError("mean0: expected finite values");
  const double nd = static_cast<double>(n);
  lambda = opt.popsize > 0 ? opt.popsize : default_popsize(n);
  lambda = std::max<Index>(lambda, 2);
  mu = lambda / 2;
  form = opt.full_form;
  if (form == CmaFullForm::kAuto)
    form = n <= kCmaAutoEigenMaxDim ? CmaFullForm::kEigen : CmaFullForm::kMatrix;

  // Raw weights w'_i = ln((lambda+1)/2) - ln i, eq. (49); mu_eff, mu_eff^- as in Table 1.
  Vector wp(lambda);
  for (Index i = 0; i < lambda; ++i)
    wp(i) =
        std::log((static_cast<double>(lambda) + 1.0) / 2.0) - std::log(static_cast<double>(i + 1));
  const double sp = wp.head(mu).sum();
  mueff = sp * sp / wp.head(mu).squaredNorm();
  double sn = 0, sn2 = 0;
  for (Index i = mu; i < lambda; ++i)
    if (wp(i) < 0) {
      sn += -wp(i);
      sn2 += wp(i) * wp(i);
    }
  const double mueff_neg = sn2 > 0 ? sn * sn / sn2 : 0.0;

  // Learning rates, Table 1 (alpha_cov = 2, c_m = 1).
  c1 = 2.0 / ((nd + 1.3) * (nd + 1.3) + mueff);
  cmu = std::min(1.0 - c1, 2.0 * (mueff - 2.0 + 1.0 / mueff) / ((nd + 2.0) * (nd + 2.0) + mueff));
  if (opt.variant == CmaVariant::kSep) {  // [RH]: diagonal learns (n+2)/3 times faster
    c1 = std::min(1.0, c1 * (nd + 2.0) / 3.0);
    cmu = std::min(1.0 - c1, cmu * (nd + 2.0) / 3.0);
  }
  cs = (mueff + 2.0) / (nd + mueff + 5.0);
  ds = 1.0 + 2.0 * std::max(0.0, std::sqrt((mueff - 1.0) / (nd + 1.0)) - 1.0) + cs;
  cc = (4.0 + mueff / nd) / (nd + 4.0 + 2.0 * mueff / nd);
  chi_n = std::sqrt(nd) * (1.0 - 1.0 / (4.0 * nd) + 1.0 / (21.0 * nd * nd));

  // Final weights, eq. (53): positive ones sum to 1; negative ones (active) scaled by
  // min(alpha_mu^-, alpha_mueff^-, alpha_posdef^-) / sum |w'^-|.
  weights = Vector::Zero(lambda);
  weights.head(mu) = wp.head(mu) / sp;
  if (opt.active && opt.variant != CmaVariant::kLm && sn > 0) {
    const double a_mu = 1.0 + c1 / cmu;
    const double a_mueff = 1.0 + 2.0 * mueff_neg / (mueff + 2.0);
    const double a_posdef = (1.0 - c1 - cmu) / (nd * cmu);
    const double scale = std::min({a_mu, a_mueff, a_posdef}) / sn;
    for (Index i = mu; i < lambda; ++i)
      if (wp(i) < 0) weights(i) = wp(i) * scale;
  }
  sum_w = weights.sum();

  decomp_interval =
      std::max<long long>(1, static_cast<long long>(std::floor(1.0 / (10.0 * nd * (c1 + cmu)))));
  tolfun_hist = 10 + static_cast<Index>(std::ceil(30.0 * nd / static_cast<double>(lambda)));

  mean = mean0;
  sigma = opt.sigma0;
  ps = Vector::Zero(n);
  pc = Vector::Zero(n);
  best_x = mean0;
  Z.resize(n, lambda);
  Y.resize(n, lambda);

  switch (opt.variant) {
    case CmaVariant::kFull:
      if (form == CmaFullForm::kEigen)
        eigen_init();
      else
        maes_init();
      break;
    case CmaVariant::kSep:
      sep_init();
      break;
    case CmaVariant::kLm:
      lm_init(nd);
      break;
  }
}

// Y(:, 0:cols) = A Z(:, 0:cols) with A the current square root of C, eq. (38)-(39).
void CmaEs::Impl::sample_y(Index cols) {
  switch (opt.variant) {
    case CmaVariant::kFull:
      if (form == CmaFullForm::kEigen)
        eigen_sample(cols);
      else
        maes_sample(cols);
      break;
    case CmaVariant::kSep:
      sep_sample(cols);
      break;
    case CmaVariant::kLm:
      lm_sample(cols);
      break;
  }
}

Vector CmaEs::Impl::coord_std() const {
  switch (opt.variant) {
    case CmaVariant::kFull:
      return form == CmaFullForm::kEigen ? Vector(C.diagonal().cwiseMax(0.0).cwiseSqrt()) : ma_std;
    case CmaVariant::kSep:
      return diagC.cwiseSqrt();
    case CmaVariant::kLm:
      return Vector::Constant(n, lm_std);
  }
  return Vector::Ones(n);
}

void CmaEs::Impl::update(const std::vector<Index>& order, const Eigen::Ref<const Vector>& fitness) {
  (void)fitness;
  // Weighted means of the mu best steps, eq. (41): <y>_w and <z>_w.
  Vector y_w = Vector::Zero(n), z_w = Vector::Zero(n);
  if (lm_float()) {
    lm_weighted_means(order, y_w, z_w);
  } else if (opt.variant == CmaVariant::kSep) {
    sep_weighted_means(order, y_w, z_w);
  } else {
    for (Index i = 0; i < mu; ++i) {
      y_w.noalias() += weights(i) * Y.col(order[static_cast<std::size_t>(i)]);
      z_w.noalias() += weights(i) * Z.col(order[static_cast<std::size_t>(i)]);
    }
  }
  mean.noalias() += sigma * y_w;  // eq. (42), c_m = 1

  // Columns with a nonzero weight, and their w° (eq. 46-47: negative weights are
  // rescaled by n / ||C^{-1/2} y_i||^2 = n / ||z_i||^2).
  std::vector<Index> sel;
  std::vector<double> wo;
  for (Index i = 0; i < lambda; ++i) {
    const double w = weights(i);
    if (w == 0.0) continue;
    const Index j = order[static_cast<std::size_t>(i)];
    sel.push_back(j);
    wo.push_back(w >= 0 ? w
                        : w * static_cast<double>(n) / std::max(Z.col(j).squaredNorm(), 1e-300));
  }
  const double nd = static_cast<double>(n);

  if (opt.variant == CmaVariant::kLm) {
    lm_update(z_w);  // its own step-size rule
    return;
  }

  // CSA path, eq. (43). C^{-1/2} <y>_w = B <z>_w (eigen form) or <z>_w (sep, MA-ES).
  const double ks = std::sqrt(cs * (2.0 - cs) * mueff);
  if (eigen_form()) {
    ps = (1.0 - cs) * ps + ks * (B * z_w);
  } else {
    ps = (1.0 - cs) * ps + ks * z_w;
  }
  const double ps_norm = ps.norm();

  if (matrix_form()) {
    maes_update(y_w, ks, sel, wo);
  } else {
    // h_sigma stall (below eq. 45) and pc, eq. (45).
    const double gen1 = static_cast<double>(gen + 1);
    const double hs_lhs = ps_norm / std::sqrt(1.0 - std::pow(1.0 - cs, 2.0 * gen1));
    const double hsig = hs_lhs < (1.4 + 2.0 / (nd + 1.0)) * chi_n ? 1.0 : 0.0;
    pc = (1.0 - cc) * pc + hsig * std::sqrt(cc * (2.0 - cc) * mueff) * y_w;
    const double delta_h = (1.0 - hsig) * cc * (2.0 - cc);
    const double a = 1.0 + c1 * delta_h - c1 - cmu * sum_w;  // eq. (47) decay
    if (eigen_form())
      eigen_update(a, sel, wo);
    else
      sep_update(a, sel, wo);
  }
  // CSA step size, eq. (44). Exponent capped at 1 so one bad generation cannot overflow sigma.
  sigma *= std::exp(std::min(1.0, cs / ds * (ps_norm / chi_n - 1.0)));
}

void CmaEs::Impl::check_stop(const Eigen::Ref<const Vector>& fitness) {
  if (stop != StopReason::kNone) return;  // set by decompose()
  if (!std::isfinite(sigma) || sigma <= 0.0 || !mean.allFinite()) {
    stop = StopReason::kNoEffect;
    return;
  }
  if (opt.max_evals > 0 && evals >= opt.max_evals) {
    stop = StopReason::kMaxEvals;
    return;
  }
  // TolFun: best f of the last 10 + ceil(30 n / lambda) generations and all f of
  // this generation within tolfun (tutorial Sec. B.3).
  double fmin = kInf, fmax = -kInf;
  for (Index j = 0; j < fitness.size(); ++j)
    if (std::isfinite(fitness(j))) {
      fmin = std::min(fmin, fitness(j));
      fmax = std::max(fmax, fitness(j));
    }
  fhist.push_back(fmin);
  if (static_cast<Index>(fhist.size()) > tolfun_hist) fhist.pop_front();
  if (static_cast<Index>(fhist.size()) == tolfun_hist && std::isfinite(fmin)) {
    const auto mm = std::minmax_element(fhist.begin(), fhist.end());
    if (std::isfinite(*mm.second) && *mm.second - *mm.first < opt.tolfun &&
        fmax - fmin < opt.tolfun) {
      stop = StopReason::kTolFun;
      return;
    }
  }
  // TolX: sigma * every coordinate std (and sigma * pc where it exists) < tolx.
  const Vector sd = coord_std();
  double px = 0.0;
  if (opt.variant == CmaVariant::kSep || eigen_form()) px = pc.cwiseAbs().maxCoeff();
  if (sigma * std::max(sd.maxCoeff(), px) < opt.tolx) {
    stop = StopReason::kTolX;
    return;
  }
  // Condition of C. The matrix form pays O(n^3) for it, so only for moderate n
  // and only at the lazy interval.
  if (opt.variant == CmaVariant::kSep || eigen_form()) {
    if (!(cond <= opt.max_condition)) {
      stop = StopReason::kConditionCov;
      return;
    }
  } else if (matrix_form() && n <= 1000 && gen % decomp_interval == 0) {
    ma_cond = opt.single_precision ? ma32.condition() : ma64.condition();
    ma_cond_gen = gen;
    if (!(ma_cond <= opt.max_condition)) {
      stop = StopReason::kConditionCov;
      return;
    }
  }
  // NoEffectCoord: adding 0.2 sigma * std leaves every coordinate of the mean unchanged.
  bool effect = false;
  for (Index i = 0; i < n && !effect; ++i) effect = mean(i) + 0.2 * sigma * sd(i) != mean(i);
  if (!effect) stop = StopReason::kNoEffect;
}

// ---------------------------------------------------------------- public API

CmaEs::CmaEs(const Eigen::Ref<const Vector>& mean0, const CmaOptions& opt, Rng rng)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->rng = rng;
  m_impl->setup(mean0, opt);
}
CmaEs::~CmaEs() = default;
CmaEs::CmaEs(CmaEs&&) noexcept = default;
CmaEs& CmaEs::operator=(CmaEs&&) noexcept = default;

Index CmaEs::dim() const {
  return m_impl->n;
}
Index CmaEs::popsize() const {
  return m_impl->lambda;
}
Index CmaEs::mu() const {
  return m_impl->mu;
}
CmaFullForm CmaEs::full_form() const {
  return m_impl->form;
}
const Vector& CmaEs::weights() const {
  return m_impl->weights;
}

void CmaEs::ask(Eigen::Ref<Matrix> candidates) {
  Impl& s = *m_impl;
  if (candidates.rows() != s.n || candidates.cols() != s.lambda)
    throw RuntimeError("CmaEs::ask: candidates must be " + std::to_string(s.n) + " x " +
                       std::to_string(s.lambda) + ", got " + std::to_string(candidates.rows()) +
                       " x " + std::to_string(candidates.cols()));
  if (s.opt.variant == CmaVariant::kSep) {
    ask_recipe();
    materialize(0, s.lambda, candidates);
    return;
  }
  if (s.lm_float()) {
    s.lm_ask(candidates);
    s.phase = Impl::Phase::kAsked;
    return;
  }
  // Mirrored sampling: columns h.. are the negatives of columns 0.. (one draw per pair).
  const Index h = s.opt.mirrored ? s.lambda - s.lambda / 2 : s.lambda;
  const std::uint64_t seed = s.rng();
  for (Index j = 0; j < h; ++j) draw_column_normals(seed, j, s.n, s.Z.col(j).data());
  s.sample_y(h);
  for (Index j = h; j < s.lambda; ++j) {
    s.Z.col(j) = -s.Z.col(j - h);
    s.Y.col(j) = -s.Y.col(j - h);
  }
  candidates = (s.sigma * s.Y).colwise() + s.mean;  // eq. (40)
  s.phase = Impl::Phase::kAsked;
}

const GaussianRecipe* CmaEs::ask_recipe() {
  Impl& s = *m_impl;
  if (s.opt.variant != CmaVariant::kSep) return nullptr;
  s.sep_begin_recipe();
  return &s.recipe;
}

void CmaEs::materialize(Index c0, Index c1, Eigen::Ref<Matrix> candidates) {
  Impl& s = *m_impl;
  if (s.phase != Impl::Phase::kAskedShared)
    throw RuntimeError("CmaEs::materialize: called without ask_recipe()");
  if (c0 < 0 || c1 > s.lambda || c0 > c1 || candidates.rows() != s.n ||
      candidates.cols() != c1 - c0)
    throw RuntimeError("CmaEs::materialize: columns [" + std::to_string(c0) + ", " +
                       std::to_string(c1) + ") do not fit lambda " + std::to_string(s.lambda) +
                       " and an output of " + std::to_string(candidates.cols()) + " columns");
  s.draw_columns(c0, c1, candidates);
}

void CmaEs::tell(const Eigen::Ref<const Vector>& fitness) {
  Impl& s = *m_impl;
  if (s.phase == Impl::Phase::kIdle)
    throw RuntimeError("CmaEs::tell: called without a preceding ask()");
  if (fitness.size() != s.lambda)
    throw RuntimeError("CmaEs::tell: expected " + std::to_string(s.lambda) +
                       " fitness values, got " + std::to_string(fitness.size()));
  const bool shared = s.phase == Impl::Phase::kAskedShared;
  s.phase = Impl::Phase::kIdle;
  s.evals += s.lambda;
  // Rank: non-finite values last, ties by index (deterministic).
  std::vector<Index> order(static_cast<std::size_t>(s.lambda));
  std::iota(order.begin(), order.end(), Index{0});
  auto key = [&](Index j) { return std::isfinite(fitness(j)) ? fitness(j) : kInf; };
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return key(a) < key(b); });
  if (shared) {
    // Only the selected columns (nonzero weight, and the best) enter the
    // update, which forms their y = scale .* z itself. Draw the z of those
    // that other ranks evaluated (shared sampling).
    for (Index i = 0; i < s.lambda; ++i) {
      const Index j = order[static_cast<std::size_t>(i)];
      if ((s.weights(i) == 0.0 && i != 0) || s.drawn[static_cast<std::size_t>(j)]) continue;
      s.recipe.draw_z(j, s.Z.col(j).data());
      s.drawn[static_cast<std::size_t>(j)] = 1;
    }
  }
  const Index b = order.front();
  if (std::isfinite(fitness(b)) && fitness(b) < s.best_f) {
    if (s.lm_float()) s.lm_form_column(b);
    if (s.opt.variant == CmaVariant::kSep) s.Y.col(b) = s.recipe.scale.cwiseProduct(s.Z.col(b));
    s.best_f = fitness(b);
    s.best_x = s.mean + s.sigma * s.Y.col(b);
  }
  s.update(order, fitness);
  ++s.gen;
  s.check_stop(fitness);
}

const Vector& CmaEs::mean() const {
  return m_impl->mean;
}
double CmaEs::sigma() const {
  return m_impl->sigma;
}

double CmaEs::condition() const {
  const Impl& s = *m_impl;
  switch (s.opt.variant) {
    case CmaVariant::kLm:
      return std::numeric_limits<double>::quiet_NaN();
    case CmaVariant::kSep:
      return s.cond;
    case CmaVariant::kFull:
      if (s.form == CmaFullForm::kEigen) return s.cond;
      if (s.ma_cond_gen != s.gen) {
        s.ma_cond = s.maes_condition();
        s.ma_cond_gen = s.gen;
      }
      return s.ma_cond;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

Diagnostics CmaEs::diagnostics() const {
  Diagnostics d;
  d.sigma = m_impl->sigma;
  // MA-ES has cond(M M^T) only at O(n^3): skipped for large n rather than
  // spending minutes per epoch on a diagnostic.
  if (!(m_impl->matrix_form() && m_impl->n > 1000)) d.condition = condition();
  return d;
}

long long CmaEs::evals() const {
  return m_impl->evals;
}
long long CmaEs::generation() const {
  return m_impl->gen;
}
StopReason CmaEs::stop() const {
  return m_impl->stop;
}
const Vector& CmaEs::best_x() const {
  return m_impl->best_x;
}
double CmaEs::best_f() const {
  return m_impl->best_f;
}

// ---------------------------------------------------------------- state

std::vector<double> state_vec(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}
std::vector<double> state_vec(const Matrix& m) {
  return std::vector<double>(m.data(), m.data() + m.size());
}

const std::vector<double>& state_array(const StateMap& s, const std::string& key,
                                       std::size_t size) {
  const auto it = s.find(key);
  if (it == s.end()) throw RuntimeError("CMA-ES state: key '" + key + "' missing");
  if (it->second.size() != size)
    throw RuntimeError("CMA-ES state: key '" + key + "' expected " + std::to_string(size) +
                       " values, got " + std::to_string(it->second.size()));
  return it->second;
}

void state_load(const std::vector<double>& src, Vector& v) {
  v = Eigen::Map<const Vector>(src.data(), static_cast<Index>(src.size()));
}
void state_load(const std::vector<double>& src, Matrix& m, Index rows, Index cols) {
  m = Eigen::Map<const Matrix>(src.data(), rows, cols);
}

StateMap CmaEs::state() const {
  const Impl& s = *m_impl;
  StateMap out;
  const auto un = static_cast<double>(s.n);
  out["header"] = {static_cast<double>(static_cast<int>(s.opt.variant)), un,
                   static_cast<double>(s.lambda), static_cast<double>(static_cast<int>(s.form))};
  out["mean"] = state_vec(s.mean);
  out["sigma"] = {s.sigma};
  out["ps"] = state_vec(s.ps);
  out["pc"] = state_vec(s.pc);
  out["counters"] = {static_cast<double>(s.gen), static_cast<double>(s.evals),
                     static_cast<double>(static_cast<int>(s.stop)),
                     static_cast<double>(s.last_decomp)};
  out["best_x"] = state_vec(s.best_x);
  out["best_f"] = {s.best_f};
  out["fhist"] = std::vector<double>(s.fhist.begin(), s.fhist.end());
  // Rng words split into 32-bit halves: exact as doubles, no NaN bit patterns.
  const std::array<std::uint64_t, 6> r = s.rng.state();
  std::vector<double> rw;
  for (std::uint64_t w : r) {
    rw.push_back(static_cast<double>(w >> 32));
    rw.push_back(static_cast<double>(w & 0xffffffffULL));
  }
  out["rng"] = rw;
  out["cond"] = {s.cond};
  if (s.eigen_form()) {
    s.eigen_save(out);
  } else if (s.matrix_form()) {
    s.maes_save(out);
  } else if (s.opt.variant == CmaVariant::kSep) {
    s.sep_save(out);
  } else {
    s.lm_save(out);
  }
  return out;
}

void CmaEs::set_state(const StateMap& st) {
  Impl& s = *m_impl;
  const std::vector<double>& h = state_array(st, "header", 4);
  if (h[0] != static_cast<double>(static_cast<int>(s.opt.variant)) ||
      h[1] != static_cast<double>(s.n) || h[2] != static_cast<double>(s.lambda) ||
      h[3] != static_cast<double>(static_cast<int>(s.form)))
    throw RuntimeError(
        "CMA-ES state: header (variant, n, lambda, form) does not match this instance");
  const auto un = static_cast<std::size_t>(s.n);
  state_load(state_array(st, "mean", un), s.mean);
  s.sigma = state_array(st, "sigma", 1)[0];
  state_load(state_array(st, "ps", un), s.ps);
  state_load(state_array(st, "pc", un), s.pc);
  const std::vector<double>& c = state_array(st, "counters", 4);
  s.gen = static_cast<long long>(c[0]);
  s.evals = static_cast<long long>(c[1]);
  s.stop = static_cast<StopReason>(static_cast<int>(c[2]));
  s.last_decomp = static_cast<long long>(c[3]);
  state_load(state_array(st, "best_x", un), s.best_x);
  s.best_f = state_array(st, "best_f", 1)[0];
  const auto fh = st.find("fhist");
  if (fh == st.end()) throw RuntimeError("CMA-ES state: key 'fhist' missing");
  s.fhist.assign(fh->second.begin(), fh->second.end());
  const std::vector<double>& rw = state_array(st, "rng", 12);
  std::array<std::uint64_t, 6> r{};
  for (std::size_t i = 0; i < 6; ++i)
    r[i] =
        (static_cast<std::uint64_t>(rw[2 * i]) << 32) | static_cast<std::uint64_t>(rw[2 * i + 1]);
  s.rng.set_state(r);
  s.cond = state_array(st, "cond", 1)[0];
  if (s.eigen_form()) {
    s.eigen_load(st);
  } else if (s.matrix_form()) {
    s.maes_load(st);
  } else if (s.opt.variant == CmaVariant::kSep) {
    s.sep_load(st);
  } else {
    s.lm_load(st);
  }
  s.phase = Impl::Phase::kIdle;
}

}  // namespace neurocma

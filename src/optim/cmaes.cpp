// CMA-ES: full (eigen or MA-ES form), sep-CMA-ES and LM-MA-ES behind one ask/tell class.
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
#include "neurocma/optim/lm_transform.hpp"

namespace neurocma {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

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

struct CmaEs::Impl {
  // ---- configuration (fixed after construction)
  CmaOptions opt;
  Index n = 0, lambda = 0, mu = 0, lm_m = 0;
  CmaFullForm form = CmaFullForm::kEigen;
  Vector weights;  // size lambda, best first; negative part zero unless active
  double mueff = 0, sum_w = 0, c1 = 0, cmu = 0, cs = 0, ds = 0, cc = 0, chi_n = 0;
  long long decomp_interval = 1;  // lazy eigendecomposition / matrix-form checks
  Index tolfun_hist = 0;
  Vector lm_cd, lm_cc;  // [LGB] c_d,i and c_c,i

  // ---- state
  Vector mean;
  double sigma = 0;
  Vector ps, pc;
  long long gen = 0, evals = 0;
  Rng rng;
  Vector best_x;
  double best_f = kInf;
  std::deque<double> fhist;  // best f of recent generations (tolfun)
  StopReason stop = StopReason::kNone;
  // full, eigen form: C = B diag(D^2) B^T, BD = B diag(D)
  Matrix C, B, BD;
  Vector D;
  long long last_decomp = 0;
  double cond = 1.0;
  // full, matrix form
  detail::MaFactor<float> ma32;
  detail::MaFactor<double> ma64;
  Vector ma_q;    // M ps, tracked by O(n mu) updates, refreshed every decomp_interval
  Vector ma_std;  // row norms of M at the last check
  mutable long long ma_cond_gen = -1;
  mutable double ma_cond = 1.0;
  // sep
  Vector diagC;
  // lm: direction vectors as columns
  Matrix lm_V;
  MatrixF lm_Vf;  // float copy of lm_V for single-precision sampling
  MatrixF lm_zf, lm_wf, lm_tf, lm_twf, lm_yf, lm_gf;  // sampling buffers, reused
  double lm_std = 1.0;  // empirical per-coordinate std / sigma of the last sample (tolx)
  // lm in single precision (lm_float()) samples in float and never stores
  // the n x lambda double Z and Y: ask() keeps z (lm_zf, the first lm_h
  // columns; the rest are their mirrors) and the correction V T V^T z
  // (lm_yf); tell() sums the selected y = alpha z + correction and z from
  // them, and forms the column of a new best candidate only.
  // sep (always shared sampling) keeps Z only; update() forms y = scale .* z
  // of the selected columns as it uses them.
  Index lm_h = 0, lm_used = 0;
  double lm_alpha = 1.0;
  Vector lm_rowsq;  // sum over the population of y^2, per coordinate (lm_std)
  bool lm_float() const { return opt.variant == CmaVariant::kLm && opt.single_precision; }
  void lm_ask(Eigen::Ref<Matrix> candidates);
  // Calls f(i, z_i, y_i) for i < n, column j of the last lm_ask().
  template <typename F>
  void lm_for_column(Index j, F&& f) const;
  void lm_form_column(Index j);  // Z.col(j) and Y.col(j) from lm_zf and lm_yf
  void lm_weighted_means(const std::vector<Index>& order, Vector& y_w, Vector& z_w) const;

  // ---- per generation
  Matrix Z, Y;  // n x lambda: z ~ N(0, I) and y = (x - mean) / sigma
  bool asked = false;
  // shared sampling (sep): the generation's recipe and which columns of Z/Y hold it
  GaussianRecipe recipe;
  std::vector<unsigned char> drawn;
  bool lazy = false;
  // Columns [c0, c1) of the recipe into Z and x (n x (c1 - c0)).
  void draw_columns(Index c0, Index c1, Eigen::Ref<Matrix> x);

  bool matrix_form() const {
    return opt.variant == CmaVariant::kFull && form == CmaFullForm::kMatrix;
  }
  bool eigen_form() const {
    return opt.variant == CmaVariant::kFull && form == CmaFullForm::kEigen;
  }

  void setup(const Eigen::Ref<const Vector>& mean0, const CmaOptions& o);
  void sample_y(Index cols);
  void update(const std::vector<Index>& order, const Eigen::Ref<const Vector>& fitness);
  void decompose(long long now);
  void check_stop(const Eigen::Ref<const Vector>& fitness);
  Vector coord_std() const;  // per-coordinate std / sigma
};

void CmaEs::Impl::setup(const Eigen::Ref<const Vector>& mean0, const CmaOptions& o) {
  opt = o;
  n = mean0.size();
  validate(opt, n);
  if (!mean0.allFinite()) throw ConfigError("mean0: expected finite values");
  const double nd = static_cast<double>(n);
  lambda = opt.popsize > 0 ? opt.popsize : 4 + static_cast<Index>(std::floor(3.0 * std::log(nd)));
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
      if (form == CmaFullForm::kEigen) {
        C = Matrix::Identity(n, n);
        B = Matrix::Identity(n, n);
        BD = Matrix::Identity(n, n);
        D = Vector::Ones(n);
      } else {
        if (opt.single_precision)
          ma32.init(n);
        else
          ma64.init(n);
        ma_q = Vector::Zero(n);
        ma_std = Vector::Ones(n);
      }
      break;
    case CmaVariant::kSep:
      diagC = Vector::Ones(n);
      break;
    case CmaVariant::kLm: {
      // [LGB] Algorithm 1: c_sigma = 2 lambda / n, c_d,i = 1 / (1.5^(i-1) n),
      // c_c,i = lambda / (4^(i-1) n). Capped at 1 so small n (n < 2 lambda) stays defined.
      lm_m = opt.lm_memory > 0 ? opt.lm_memory
                               : 4 + static_cast<Index>(std::floor(3.0 * std::log(nd)));
      cs = std::min(1.0, 2.0 * static_cast<double>(lambda) / nd);
      lm_cd.resize(lm_m);
      lm_cc.resize(lm_m);
      for (Index i = 0; i < lm_m; ++i) {
        lm_cd(i) = 1.0 / (std::pow(1.5, static_cast<double>(i)) * nd);
        lm_cc(i) = std::min(
            1.0, static_cast<double>(lambda) / (std::pow(4.0, static_cast<double>(i)) * nd));
      }
      lm_V = Matrix::Zero(n, lm_m);
      if (opt.single_precision) lm_Vf = MatrixF::Zero(n, lm_m);
      break;
    }
  }
}

// Y(:, 0:cols) = A Z(:, 0:cols) with A the current square root of C, eq. (38)-(39).
void CmaEs::Impl::sample_y(Index cols) {
  switch (opt.variant) {
    case CmaVariant::kFull:
      if (form == CmaFullForm::kEigen) {
        Y.leftCols(cols).noalias() = BD * Z.leftCols(cols);
      } else if (opt.single_precision) {
        ma32.sample(Z, Y, cols);
      } else {
        ma64.sample(Z, Y, cols);
      }
      break;
    case CmaVariant::kSep:
      Y.leftCols(cols) = diagC.cwiseSqrt().asDiagonal() * Z.leftCols(cols);
      break;
    case CmaVariant::kLm: {
      // [LGB] Alg. 1 lines 6-8, d <- (1 - c_d,j) d + c_d,j v_j (v_j^T d) for j = 1..min(t, m),
      // for the whole population at once in compact form (lm_transform.hpp):
      // Y = alpha Z + V T V^T Z. This is the double-precision path; with
      // single_precision lm_ask() does the same in float GEMMs, rounding only
      // the correction V T V^T Z (tested against the sequential double form in
      // test_lm_transform and test_cmaes_state).
      const Index used = static_cast<Index>(std::min<long long>(gen, lm_m));
      if (used == 0) {
        Y.leftCols(cols) = Z.leftCols(cols);
        break;
      }
      const LmProduct P = lm_product(lm_V, lm_cd, used);
      const Matrix W = lm_V.leftCols(used).transpose() * Z.leftCols(cols);
      const Matrix TW = P.T.triangularView<Eigen::Lower>() * W;
      Y.leftCols(cols) = P.alpha * Z.leftCols(cols);
      Y.leftCols(cols).noalias() += lm_V.leftCols(used) * TW;
      break;
    }
  }
}

// LM-MA-ES sampling in single precision, streamed: the same numbers as
// sample_y() + candidates = sigma Y + mean, without the double Z and Y.
void CmaEs::Impl::lm_ask(Eigen::Ref<Matrix> candidates) {
  lm_h = opt.mirrored ? lambda - lambda / 2 : lambda;
  const std::uint64_t seed = rng();
  if (lm_zf.rows() != n || lm_zf.cols() != lm_h) lm_zf.resize(n, lm_h);
  for (Index j = 0; j < lm_h; ++j) draw_column_normals(seed, j, n, lm_zf.col(j).data());
  // [LGB] Alg. 1 lines 6-8 in compact form (see sample_y()).
  lm_used = static_cast<Index>(std::min<long long>(gen, lm_m));
  lm_alpha = 1.0;
  if (lm_used > 0) {
    lm_gf.resize(lm_used, lm_used);
    sgemm_tn(lm_Vf.leftCols(lm_used), lm_Vf.leftCols(lm_used), 0.0f, lm_gf);
    const LmProduct P = lm_product_from_gram(lm_gf.cast<double>(), lm_cd, lm_used);
    lm_alpha = P.alpha;
    lm_wf.resize(lm_used, lm_h);
    if (lm_yf.rows() != n || lm_yf.cols() != lm_h) lm_yf.resize(n, lm_h);
    sgemm_tn(lm_Vf.leftCols(lm_used), lm_zf, 0.0f, lm_wf);  // V^T Z
    lm_tf = P.T.cast<float>();
    lm_twf.noalias() = lm_tf.triangularView<Eigen::Lower>() * lm_wf;
    sgemm(lm_Vf.leftCols(lm_used), lm_twf, false, 0.0f, lm_yf);  // V (T V^T Z)
  }
  // Candidates, eq. (40), column by column while z and the correction are in
  // cache; mirrored columns negate their twin's y. y^2 is summed for lm_std.
  if (lm_rowsq.size() != n) lm_rowsq.resize(n);
  lm_rowsq.setZero();
  double* rowsq = lm_rowsq.data();
  const double* m = mean.data();
  const double sg = sigma;
  for (Index j = 0; j < lambda; ++j) {
    double* x = candidates.col(j).data();
    lm_for_column(j, [&](Index i, double, double y) {
      x[i] = sg * y + m[i];
      rowsq[i] += y * y;
    });
  }
}

template <typename F>
void CmaEs::Impl::lm_for_column(Index j, F&& f) const {
  const Index src = j < lm_h ? j : j - lm_h;
  const double sign = j < lm_h ? 1.0 : -1.0;
  const float* z = lm_zf.col(src).data();
  // Locals, not members: f stores doubles, which could alias lm_alpha and n
  // and would keep the loop from vectorizing.
  const double a = lm_alpha;
  const Index len = n;
  if (lm_used > 0) {
    const float* c = lm_yf.col(src).data();
    for (Index i = 0; i < len; ++i)
      f(i, sign * static_cast<double>(z[i]),
        sign * (a * static_cast<double>(z[i]) + static_cast<double>(c[i])));
  } else {
    for (Index i = 0; i < len; ++i) {
      const double zi = sign * static_cast<double>(z[i]);
      f(i, zi, zi);
    }
  }
}

// <y>_w and <z>_w of update() straight from lm_zf and lm_yf: the same
// operations on the same values as forming the columns and summing them.
void CmaEs::Impl::lm_weighted_means(const std::vector<Index>& order, Vector& y_w,
                                    Vector& z_w) const {
  double* yw = y_w.data();
  double* zw = z_w.data();
  for (Index r = 0; r < mu; ++r) {
    const double w = weights(r);
    lm_for_column(order[static_cast<std::size_t>(r)], [&](Index i, double z, double y) {
      yw[i] += w * y;
      zw[i] += w * z;
    });
  }
}

void CmaEs::Impl::lm_form_column(Index j) {
  double* zo = Z.col(j).data();
  double* yo = Y.col(j).data();
  lm_for_column(j, [&](Index i, double z, double y) {
    zo[i] = z;
    yo[i] = y;
  });
}

void CmaEs::Impl::decompose(long long now) {
  // Lazy eigendecomposition, tutorial Sec. B.2: only every decomp_interval
  // generations. Only the lower triangle of C is maintained and read.
  Eigen::SelfAdjointEigenSolver<Matrix> es(C);
  const Vector& ev = es.eigenvalues();
  last_decomp = now;
  if (es.info() != Eigen::Success || !ev.allFinite() || !(ev(0) > 0.0)) {
    cond = kInf;
    stop = StopReason::kConditionCov;
    return;  // keep the previous B, D
  }
  cond = ev(n - 1) / ev(0);
  B = es.eigenvectors();
  D = ev.cwiseSqrt();
  BD = B * D.asDiagonal();
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
    // y = scale .* z, formed as it is used (same operations as storing Y).
    const double* sc = recipe.scale.data();
    for (Index r = 0; r < mu; ++r) {
      const double w = weights(r);
      const double* z = Z.col(order[static_cast<std::size_t>(r)]).data();
      double* yw = y_w.data();
      double* zw = z_w.data();
      for (Index i = 0; i < n; ++i) {
        const double yi = sc[i] * z[i];
        yw[i] += w * yi;
        zw[i] += w * z[i];
      }
    }
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
  const Index k = static_cast<Index>(sel.size());
  const double nd = static_cast<double>(n);

  if (opt.variant == CmaVariant::kLm) {
    // [LGB] Alg. 1 lines 10-13.
    ps = (1.0 - cs) * ps + std::sqrt(mueff * cs * (2.0 - cs)) * z_w;
    for (Index j = 0; j < lm_m; ++j)
      lm_V.col(j) =
          (1.0 - lm_cc(j)) * lm_V.col(j) + std::sqrt(mueff * lm_cc(j) * (2.0 - lm_cc(j))) * z_w;
    if (opt.single_precision) lm_Vf = lm_V.cast<float>();
    sigma *= std::exp(cs / 2.0 * (ps.squaredNorm() / nd - 1.0));
    if (lm_float()) {
      lm_std = std::sqrt(lm_rowsq.maxCoeff() / static_cast<double>(lambda));
    } else {
      lm_std = std::sqrt(Y.cwiseAbs2().rowwise().mean().maxCoeff());
    }
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
    // [BS] MA-ES: M <- a M + c1/2 (M s) s^T + cw/2 sum w°_i d_i z_i^T with
    // a = 1 - c1/2 - cw/2 sum w. q = M s is tracked: after the s update
    // M s = (1-cs) q + ks M <z>_w = (1-cs) q + ks <y>_w.
    ma_q = (1.0 - cs) * ma_q + ks * y_w;
    Matrix U(n, k + 1), V(n, k + 1);
    U.col(0) = 0.5 * c1 * ma_q;
    V.col(0) = ps;
    for (Index i = 0; i < k; ++i) {
      U.col(i + 1) =
          0.5 * cmu * wo[static_cast<std::size_t>(i)] * Y.col(sel[static_cast<std::size_t>(i)]);
      V.col(i + 1) = Z.col(sel[static_cast<std::size_t>(i)]);
    }
    const double a = 1.0 - 0.5 * c1 - 0.5 * cmu * sum_w;
    if (opt.single_precision)
      ma32.update(a, U, V);
    else
      ma64.update(a, U, V);
    // q' = M' s = a q + U (V^T s)
    ma_q = a * ma_q + U * (V.transpose() * ps);
    if ((gen + 1) % decomp_interval == 0) {  // refresh what tracking would let drift
      ma_q = opt.single_precision ? ma32.times(ps) : ma64.times(ps);
      ma_std = opt.single_precision ? ma32.row_norms() : ma64.row_norms();
    }
  } else {
    // h_sigma stall (below eq. 45) and pc, eq. (45).
    const double gen1 = static_cast<double>(gen + 1);
    const double hs_lhs = ps_norm / std::sqrt(1.0 - std::pow(1.0 - cs, 2.0 * gen1));
    const double hsig = hs_lhs < (1.4 + 2.0 / (nd + 1.0)) * chi_n ? 1.0 : 0.0;
    pc = (1.0 - cc) * pc + hsig * std::sqrt(cc * (2.0 - cc) * mueff) * y_w;
    const double delta_h = (1.0 - hsig) * cc * (2.0 - cc);
    const double a = 1.0 + c1 * delta_h - c1 - cmu * sum_w;  // eq. (47) decay
    if (eigen_form()) {
      // eq. (47) as symmetric rank-k updates of the lower triangle (SYRK: half the
      // flops of a GEMM): positive weights and pc in one, negative weights in another.
      Matrix Ypos(n, k + 1), Yneg(n, k);
      Index np = 0, nn = 0;
      Ypos.col(np++) = std::sqrt(c1) * pc;
      for (Index i = 0; i < k; ++i) {
        const double w = cmu * wo[static_cast<std::size_t>(i)];
        const auto col = Y.col(sel[static_cast<std::size_t>(i)]);
        if (w > 0)
          Ypos.col(np++) = std::sqrt(w) * col;
        else
          Yneg.col(nn++) = std::sqrt(-w) * col;
      }
      C.triangularView<Eigen::Lower>() *= a;
      C.selfadjointView<Eigen::Lower>().rankUpdate(Ypos.leftCols(np), 1.0);
      if (nn > 0) C.selfadjointView<Eigen::Lower>().rankUpdate(Yneg.leftCols(nn), -1.0);
      if (gen + 1 - last_decomp >= decomp_interval) decompose(gen + 1);
    } else {  // sep: eq. (47) restricted to the diagonal
      diagC *= a;
      diagC += c1 * pc.cwiseAbs2();
      // y = scale .* z of the selected columns, formed as it is used.
      const double* sc = recipe.scale.data();
      double* d = diagC.data();
      for (Index i = 0; i < k; ++i) {
        const double c = cmu * wo[static_cast<std::size_t>(i)];
        const double* z = Z.col(sel[static_cast<std::size_t>(i)]).data();
        for (Index e = 0; e < n; ++e) {
          const double ye = sc[e] * z[e];
          d[e] += c * (ye * ye);
        }
      }
      cond = diagC.maxCoeff() / diagC.minCoeff();
    }
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
    s.asked = true;
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
  s.asked = true;
}

const GaussianRecipe* CmaEs::ask_recipe() {
  Impl& s = *m_impl;
  if (s.opt.variant != CmaVariant::kSep) return nullptr;
  GaussianRecipe& r = s.recipe;
  r.seed = s.rng();
  r.sigma = s.sigma;
  r.lambda = s.lambda;
  r.mirror_from = s.opt.mirrored ? s.lambda - s.lambda / 2 : s.lambda;
  r.mean = s.mean;
  r.scale = s.diagC.cwiseSqrt();
  s.drawn.assign(static_cast<std::size_t>(s.lambda), 0);
  s.lazy = true;
  s.asked = true;
  return &r;
}

void CmaEs::materialize(Index c0, Index c1, Eigen::Ref<Matrix> candidates) {
  Impl& s = *m_impl;
  if (!s.asked || !s.lazy) throw RuntimeError("CmaEs::materialize: called without ask_recipe()");
  if (c0 < 0 || c1 > s.lambda || c0 > c1 || candidates.rows() != s.n ||
      candidates.cols() != c1 - c0)
    throw RuntimeError("CmaEs::materialize: columns [" + std::to_string(c0) + ", " +
                       std::to_string(c1) + ") do not fit lambda " + std::to_string(s.lambda) +
                       " and an output of " + std::to_string(candidates.cols()) + " columns");
  s.draw_columns(c0, c1, candidates);
}

// Y = scale .* Z is left to update(), which forms it for the selected columns only.
void CmaEs::Impl::draw_columns(Index c0, Index c1, Eigen::Ref<Matrix> x) {
  recipe.draw(c0, c1, Z.middleCols(c0, c1 - c0), x);
  for (Index j = c0; j < c1; ++j) drawn[static_cast<std::size_t>(j)] = 1;
}

void CmaEs::tell(const Eigen::Ref<const Vector>& fitness) {
  Impl& s = *m_impl;
  if (!s.asked) throw RuntimeError("CmaEs::tell: called without a preceding ask()");
  if (fitness.size() != s.lambda)
    throw RuntimeError("CmaEs::tell: expected " + std::to_string(s.lambda) +
                       " fitness values, got " + std::to_string(fitness.size()));
  s.asked = false;
  s.evals += s.lambda;
  // Rank: non-finite values last, ties by index (deterministic).
  std::vector<Index> order(static_cast<std::size_t>(s.lambda));
  std::iota(order.begin(), order.end(), Index{0});
  auto key = [&](Index j) { return std::isfinite(fitness(j)) ? fitness(j) : kInf; };
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return key(a) < key(b); });
  if (s.lazy) {
    // Only the selected columns (nonzero weight, and the best) enter the
    // update, which forms their y = scale .* z itself. Draw the z of those
    // that other ranks evaluated (shared sampling).
    for (Index i = 0; i < s.lambda; ++i) {
      const Index j = order[static_cast<std::size_t>(i)];
      if ((s.weights(i) == 0.0 && i != 0) || s.drawn[static_cast<std::size_t>(j)]) continue;
      s.recipe.draw_z(j, s.Z.col(j).data());
      s.drawn[static_cast<std::size_t>(j)] = 1;
    }
    s.lazy = false;
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
        s.ma_cond = s.opt.single_precision ? s.ma32.condition() : s.ma64.condition();
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

namespace {

std::vector<double> vec(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}
std::vector<double> vec(const Matrix& m) {
  return std::vector<double>(m.data(), m.data() + m.size());
}

const std::vector<double>& need(const StateMap& s,
                                const std::string& key, std::size_t size) {
  const auto it = s.find(key);
  if (it == s.end()) throw RuntimeError("CMA-ES state: key '" + key + "' missing");
  if (it->second.size() != size)
    throw RuntimeError("CMA-ES state: key '" + key + "' expected " + std::to_string(size) +
                       " values, got " + std::to_string(it->second.size()));
  return it->second;
}

void load(const std::vector<double>& src, Vector& v) {
  v = Eigen::Map<const Vector>(src.data(), static_cast<Index>(src.size()));
}
void load(const std::vector<double>& src, Matrix& m, Index rows, Index cols) {
  m = Eigen::Map<const Matrix>(src.data(), rows, cols);
}

}  // namespace

StateMap CmaEs::state() const {
  const Impl& s = *m_impl;
  StateMap out;
  const auto un = static_cast<double>(s.n);
  out["header"] = {static_cast<double>(static_cast<int>(s.opt.variant)), un,
                   static_cast<double>(s.lambda), static_cast<double>(static_cast<int>(s.form))};
  out["mean"] = vec(s.mean);
  out["sigma"] = {s.sigma};
  out["ps"] = vec(s.ps);
  out["pc"] = vec(s.pc);
  out["counters"] = {static_cast<double>(s.gen), static_cast<double>(s.evals),
                     static_cast<double>(static_cast<int>(s.stop)),
                     static_cast<double>(s.last_decomp)};
  out["best_x"] = vec(s.best_x);
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
    out["C"] = vec(s.C);
    out["B"] = vec(s.B);
    out["D"] = vec(s.D);
  } else if (s.matrix_form()) {
    out["M"] = s.opt.single_precision ? s.ma32.to_vector() : s.ma64.to_vector();
    out["ma_q"] = vec(s.ma_q);
    out["ma_std"] = vec(s.ma_std);
  } else if (s.opt.variant == CmaVariant::kSep) {
    out["diagC"] = vec(s.diagC);
  } else {
    out["lm_V"] = vec(s.lm_V);
    out["lm_std"] = {s.lm_std};
  }
  return out;
}

void CmaEs::set_state(const StateMap& st) {
  Impl& s = *m_impl;
  const std::vector<double>& h = need(st, "header", 4);
  if (h[0] != static_cast<double>(static_cast<int>(s.opt.variant)) ||
      h[1] != static_cast<double>(s.n) || h[2] != static_cast<double>(s.lambda) ||
      h[3] != static_cast<double>(static_cast<int>(s.form)))
    throw RuntimeError(
        "CMA-ES state: header (variant, n, lambda, form) does not match this instance");
  const auto un = static_cast<std::size_t>(s.n);
  load(need(st, "mean", un), s.mean);
  s.sigma = need(st, "sigma", 1)[0];
  load(need(st, "ps", un), s.ps);
  load(need(st, "pc", un), s.pc);
  const std::vector<double>& c = need(st, "counters", 4);
  s.gen = static_cast<long long>(c[0]);
  s.evals = static_cast<long long>(c[1]);
  s.stop = static_cast<StopReason>(static_cast<int>(c[2]));
  s.last_decomp = static_cast<long long>(c[3]);
  load(need(st, "best_x", un), s.best_x);
  s.best_f = need(st, "best_f", 1)[0];
  const auto fh = st.find("fhist");
  if (fh == st.end()) throw RuntimeError("CMA-ES state: key 'fhist' missing");
  s.fhist.assign(fh->second.begin(), fh->second.end());
  const std::vector<double>& rw = need(st, "rng", 12);
  std::array<std::uint64_t, 6> r{};
  for (std::size_t i = 0; i < 6; ++i)
    r[i] =
        (static_cast<std::uint64_t>(rw[2 * i]) << 32) | static_cast<std::uint64_t>(rw[2 * i + 1]);
  s.rng.set_state(r);
  s.cond = need(st, "cond", 1)[0];
  if (s.eigen_form()) {
    load(need(st, "C", un * un), s.C, s.n, s.n);
    load(need(st, "B", un * un), s.B, s.n, s.n);
    load(need(st, "D", un), s.D);
    s.BD = s.B * s.D.asDiagonal();
  } else if (s.matrix_form()) {
    const std::vector<double>& m = need(st, "M", un * un + 1);
    if (s.opt.single_precision)
      s.ma32.from_vector(m, s.n);
    else
      s.ma64.from_vector(m, s.n);
    load(need(st, "ma_q", un), s.ma_q);
    load(need(st, "ma_std", un), s.ma_std);
    s.ma_cond_gen = -1;
  } else if (s.opt.variant == CmaVariant::kSep) {
    load(need(st, "diagC", un), s.diagC);
  } else {
    load(need(st, "lm_V", un * static_cast<std::size_t>(s.lm_m)), s.lm_V, s.n, s.lm_m);
    if (s.opt.single_precision) s.lm_Vf = s.lm_V.cast<float>();
    s.lm_std = need(st, "lm_std", 1)[0];
  }
  s.asked = false;
  s.lazy = false;
}

}  // namespace neurocma

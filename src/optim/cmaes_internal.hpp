// Internal pieces of CmaEs: the state every file of the implementation shares
// (cmaes.cpp: the algorithm common to all forms -- weights, Table 1, mean,
// CSA, stop tests; cma_eigen.cpp, cma_maes.cpp, cma_sep.cpp, cma_lm.cpp: one
// covariance form each; cmaes_matrix.cpp and cma_lm_float.cpp: the float32
// kernels, each tested against its double model).
#pragma once
#include <algorithm>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "neurocma/core/gemm.hpp"
#include "neurocma/core/rng.hpp"
#include "neurocma/core/state.hpp"
#include "neurocma/optim/cmaes.hpp"
#include "neurocma/optim/lm_transform.hpp"

namespace neurocma::detail {

// MA-ES factor M = scale * Mt (Beyer & Sendhoff 2017). T = float keeps the
// n x n matrix and both GEMMs in single precision; the per-generation decay
// (1 - c1/2 - cmu/2 sum w) goes into the double `scale`, so only the small
// rank-(mu+1) increments are rounded to float. T = double is the reference.
//
// Mt is stored in the panel layout of core/gemm.hpp (32-row panels, each
// column-major): sampling reads it without packing and an update tile is
// contiguous, which together took a fifth off the float generation time.
template <typename T>
class MaFactor {
 public:
  using MatT = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

  void init(Index n);
  // Y(:, 0:cols) = M * Z(:, 0:cols); Z, Y are n x lambda.
  void sample(const Matrix& Z, Matrix& Y, Index cols);
  // M <- a M + U V^T; U, V are n x k.
  void update(double a, const Matrix& U, const Matrix& V);
  Vector times(const Vector& v) const;    // M v
  Vector row_norms() const;               // sqrt(diag(M M^T)): per-coordinate std / sigma
  double condition() const;               // cond(M M^T), O(n^3)
  std::vector<double> to_vector() const;  // M, column-major, scale folded in
  void from_vector(const std::vector<double>& v, Index n);

 private:
  Index panels() const { return (m_n + kGemmPanel - 1) / kGemmPanel; }
  Index panel_rows(Index p) const { return std::min(kGemmPanel, m_n - p * kGemmPanel); }
  // Rows [32p, 32p + panel_rows(p)) of Mt: a panel_rows x n column-major block.
  Eigen::Map<MatT, 0, Eigen::OuterStride<>> panel(Index p);
  Eigen::Map<const MatT, 0, Eigen::OuterStride<>> panel(Index p) const;
  void allocate(Index n);

  Index m_n = 0;
  std::vector<T> m_Mt;  // panels() x n x 32, rows past n zero
  double m_scale = 1.0;
  MatT m_zbuf, m_ybuf, m_ubuf, m_vbuf;
};

extern template class MaFactor<float>;
extern template class MaFactor<double>;

}  // namespace neurocma::detail

namespace neurocma {

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
  double best_f = std::numeric_limits<double>::infinity();
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
  // Where the generation stands: between tell() and ask(), after ask(), or
  // after ask_recipe() with columns still to draw (sep's shared sampling).
  enum class Phase { kIdle, kAsked, kAskedShared };
  Phase phase = Phase::kIdle;
  // shared sampling (sep): the generation's recipe and which columns of Z/Y hold it
  GaussianRecipe recipe;
  std::vector<unsigned char> drawn;
  // Columns [c0, c1) of the recipe into Z and x (n x (c1 - c0)).
  void draw_columns(Index c0, Index c1, Eigen::Ref<Matrix> x);

  bool matrix_form() const {
    return opt.variant == CmaVariant::kFull && form == CmaFullForm::kMatrix;
  }
  bool eigen_form() const {
    return opt.variant == CmaVariant::kFull && form == CmaFullForm::kEigen;
  }

  // ---- the shared algorithm (cmaes.cpp)
  void setup(const Eigen::Ref<const Vector>& mean0, const CmaOptions& o);
  void sample_y(Index cols);  // Y(:, 0:cols) = A Z(:, 0:cols), A the square root of C
  void update(const std::vector<Index>& order, const Eigen::Ref<const Vector>& fitness);
  void check_stop(const Eigen::Ref<const Vector>& fitness);
  Vector coord_std() const;  // per-coordinate std / sigma

  // ---- covariance forms. Selected columns `sel` (best first) with their
  // weights w° (negative ones rescaled, eq. 46-47); `a` is eq. (47)'s decay.
  // full, eigen form (cma_eigen.cpp): C with a lazy eigendecomposition
  void eigen_init();
  void eigen_sample(Index cols);
  void eigen_update(double a, const std::vector<Index>& sel, const std::vector<double>& wo);
  void decompose(long long now);
  void eigen_save(StateMap& out) const;
  void eigen_load(const StateMap& st);
  // full, matrix form (cma_maes.cpp): MA-ES's factor M
  void maes_init();
  void maes_sample(Index cols);
  void maes_update(const Vector& y_w, double ks, const std::vector<Index>& sel,
                   const std::vector<double>& wo);
  double maes_condition() const;
  void maes_save(StateMap& out) const;
  void maes_load(const StateMap& st);
  // sep (cma_sep.cpp): the diagonal of C, shared sampling
  void sep_init();
  void sep_sample(Index cols);
  void sep_weighted_means(const std::vector<Index>& order, Vector& y_w, Vector& z_w) const;
  void sep_update(double a, const std::vector<Index>& sel, const std::vector<double>& wo);
  void sep_begin_recipe();
  void sep_save(StateMap& out) const;
  void sep_load(const StateMap& st);
  // lm (cma_lm.cpp; the float streamed sampling in cma_lm_float.cpp)
  void lm_init(double nd);
  void lm_sample(Index cols);
  void lm_update(const Vector& z_w);
  void lm_save(StateMap& out) const;
  void lm_load(const StateMap& st);
};

// State arrays: a key that must exist with `size` values.
const std::vector<double>& state_array(const StateMap& s, const std::string& key, std::size_t size);
std::vector<double> state_vec(const Vector& v);
std::vector<double> state_vec(const Matrix& m);
void state_load(const std::vector<double>& src, Vector& v);
void state_load(const std::vector<double>& src, Matrix& m, Index rows, Index cols);

}  // namespace neurocma

// LM-MA-ES (Loshchilov, Glasmachers & Beyer 2019, Algorithm 1): m direction
// vectors instead of C, O(n m) per candidate; sampling in compact form
// (lm_transform.hpp). The float32 streamed sampling is in cma_lm_float.cpp.
#include "cmaes_internal.hpp"

namespace neurocma {

void CmaEs::Impl::lm_init(double nd) {
  // [LGB] Algorithm 1: c_sigma = 2 lambda / n, c_d,i = 1 / (1.5^(i-1) n),
  // c_c,i = lambda / (4^(i-1) n). Capped at 1 so small n (n < 2 lambda) stays defined.
  lm_m = opt.lm_memory > 0 ? opt.lm_memory : default_popsize(static_cast<Index>(nd));
  cs = std::min(1.0, 2.0 * static_cast<double>(lambda) / nd);
  lm_cd.resize(lm_m);
  lm_cc.resize(lm_m);
  for (Index i = 0; i < lm_m; ++i) {
    lm_cd(i) = 1.0 / (std::pow(1.5, static_cast<double>(i)) * nd);
    lm_cc(i) =
        std::min(1.0, static_cast<double>(lambda) / (std::pow(4.0, static_cast<double>(i)) * nd));
  }
  lm_V = Matrix::Zero(n, lm_m);
  if (opt.single_precision) lm_Vf = MatrixF::Zero(n, lm_m);
}

void CmaEs::Impl::lm_sample(Index cols) {
  // [LGB] Alg. 1 lines 6-8, d <- (1 - c_d,j) d + c_d,j v_j (v_j^T d) for j = 1..min(t, m),
  // for the whole population at once in compact form (lm_transform.hpp):
  // Y = alpha Z + V T V^T Z. This is the double-precision path; with
  // single_precision lm_ask() does the same in float GEMMs, rounding only
  // the correction V T V^T Z (tested against the sequential double form in
  // test_lm_transform and test_cmaes_state).
  const Index used = static_cast<Index>(std::min<long long>(gen, lm_m));
  if (used == 0) {
    Y.leftCols(cols) = Z.leftCols(cols);
    return;
  }
  const LmProduct P = lm_product(lm_V, lm_cd, used);
  const Matrix W = lm_V.leftCols(used).transpose() * Z.leftCols(cols);
  const Matrix TW = P.T.triangularView<Eigen::Lower>() * W;
  Y.leftCols(cols) = P.alpha * Z.leftCols(cols);
  Y.leftCols(cols).noalias() += lm_V.leftCols(used) * TW;
}

void CmaEs::Impl::lm_update(const Vector& z_w) {
  const double nd = static_cast<double>(n);
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
}

void CmaEs::Impl::lm_save(StateMap& out) const {
  out["lm_V"] = state_vec(lm_V);
  out["lm_std"] = {lm_std};
}

void CmaEs::Impl::lm_load(const StateMap& st) {
  state_load(state_array(st, "lm_V", static_cast<std::size_t>(n) * static_cast<std::size_t>(lm_m)),
             lm_V, n, lm_m);
  if (opt.single_precision) lm_Vf = lm_V.cast<float>();
  lm_std = state_array(st, "lm_std", 1)[0];
}

}  // namespace neurocma

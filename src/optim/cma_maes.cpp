// Full CMA-ES in MA-ES form (Beyer & Sendhoff 2017): a factor M with C ~ M M^T,
// updated by one rank-(mu+1) GEMM, no decomposition. M lives in MaFactor
// (cmaes_matrix.cpp), in float32 or, as the reference, in double.
#include "cmaes_internal.hpp"

namespace neurocma {

void CmaEs::Impl::maes_init() {
  if (opt.single_precision)
    ma32.init(n);
  else
    ma64.init(n);
  ma_q = Vector::Zero(n);
  ma_std = Vector::Ones(n);
}

void CmaEs::Impl::maes_sample(Index cols) {
  if (opt.single_precision) {
    ma32.sample(Z, Y, cols);
  } else {
    ma64.sample(Z, Y, cols);
  }
}

void CmaEs::Impl::maes_update(const Vector& y_w, double ks, const std::vector<Index>& sel,
                              const std::vector<double>& wo) {
  const Index k = static_cast<Index>(sel.size());
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
}

double CmaEs::Impl::maes_condition() const {
  return opt.single_precision ? ma32.condition() : ma64.condition();
}

void CmaEs::Impl::maes_save(StateMap& out) const {
  out["M"] = opt.single_precision ? ma32.to_vector() : ma64.to_vector();
  out["ma_q"] = state_vec(ma_q);
  out["ma_std"] = state_vec(ma_std);
}

void CmaEs::Impl::maes_load(const StateMap& st) {
  const auto un = static_cast<std::size_t>(n);
  const std::vector<double>& m = state_array(st, "M", un * un + 1);
  if (opt.single_precision)
    ma32.from_vector(m, n);
  else
    ma64.from_vector(m, n);
  state_load(state_array(st, "ma_q", un), ma_q);
  state_load(state_array(st, "ma_std", un), ma_std);
  ma_cond_gen = -1;
}

}  // namespace neurocma

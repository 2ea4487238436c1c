// LM-MA-ES's float32 streamed sampling: z and the correction V T V^T z in
// float GEMMs, the candidates, weighted means and the best column formed
// column by column from them (tested against the double path of cma_lm.cpp
// in test_lm_transform and test_cmaes_state).
#include "cmaes_internal.hpp"

namespace neurocma {

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

}  // namespace neurocma

// sep-CMA-ES (Ros & Hansen 2008): a diagonal C, learning rates (n+2)/3 times
// larger, linear time and space. Its candidates are x = mean + sigma *
// (sqrt(diag C) .* z): a GaussianRecipe, so every rank can draw its own.
#include "cmaes_internal.hpp"

namespace neurocma {

void CmaEs::Impl::sep_init() {
  diagC = Vector::Ones(n);
}

void CmaEs::Impl::sep_sample(Index cols) {
  Y.leftCols(cols) = diagC.cwiseSqrt().asDiagonal() * Z.leftCols(cols);
}

void CmaEs::Impl::sep_weighted_means(const std::vector<Index>& order, Vector& y_w,
                                     Vector& z_w) const {
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
}

void CmaEs::Impl::sep_update(double a, const std::vector<Index>& sel,
                             const std::vector<double>& wo) {
  const Index k = static_cast<Index>(sel.size());
  // eq. (47) restricted to the diagonal
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

void CmaEs::Impl::sep_begin_recipe() {
  GaussianRecipe& r = recipe;
  r.seed = rng();
  r.sigma = sigma;
  r.lambda = lambda;
  r.mirror_from = opt.mirrored ? lambda - lambda / 2 : lambda;
  r.mean = mean;
  r.scale = diagC.cwiseSqrt();
  drawn.assign(static_cast<std::size_t>(lambda), 0);
  phase = Phase::kAskedShared;
}

// Y = scale .* Z is left to update(), which forms it for the selected columns only.
void CmaEs::Impl::draw_columns(Index c0, Index c1, Eigen::Ref<Matrix> x) {
  recipe.draw(c0, c1, Z.middleCols(c0, c1 - c0), x);
  for (Index j = c0; j < c1; ++j) drawn[static_cast<std::size_t>(j)] = 1;
}

void CmaEs::Impl::sep_save(StateMap& out) const {
  out["diagC"] = state_vec(diagC);
}

void CmaEs::Impl::sep_load(const StateMap& st) {
  state_load(state_array(st, "diagC", static_cast<std::size_t>(n)), diagC);
}

}  // namespace neurocma

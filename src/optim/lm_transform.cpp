// Compact form of the LM-MA-ES transform (see lm_transform.hpp).
#include "neurocma/optim/lm_transform.hpp"

#include <algorithm>

namespace neurocma {

LmProduct lm_product(const Matrix& V, const Vector& cd, Index used) {
  LmProduct p;
  p.T = Matrix::Zero(used, used);
  if (used == 0) return p;
  const auto Vu = V.leftCols(used);
  Matrix G(used, used);
  G.triangularView<Eigen::Upper>() = Vu.transpose() * Vu;  // g_k = G(0:k, k)
  for (Index k = 0; k < used; ++k) {
    const double a = 1.0 - cd(k), c = cd(k);
    if (k > 0) {
      // Row k from the unscaled T_k, then T_k <- a T_k.
      p.T.row(k).head(k).noalias() = c * (G.col(k).head(k).transpose() * p.T.topLeftCorner(k, k));
      p.T.topLeftCorner(k, k) *= a;
    }
    p.T(k, k) = c * p.alpha;
    p.alpha *= a;
  }
  return p;
}

void lm_transform_reference(Eigen::Ref<Matrix> Y, const Matrix& V, const Vector& cd, Index used) {
  for (Index k = 0; k < Y.cols(); ++k)
    for (Index j = 0; j < used; ++j) {
      const double p = cd(j) * V.col(j).dot(Y.col(k));
      Y.col(k) = (1.0 - cd(j)) * Y.col(k) + p * V.col(j);
    }
}

}  // namespace neurocma

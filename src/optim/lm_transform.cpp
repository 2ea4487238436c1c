// Compact form of the LM-MA-ES transform (see lm_transform.hpp).
#include "neurocma/optim/lm_transform.hpp"

namespace neurocma {

LmProduct lm_product(const Matrix& V, const Vector& cd, Index used) {
  // The upper triangle of the Gram matrix is all the recursion reads; a
  // symmetric rank-n update fills it at half a GEMM's flops.
  Matrix G = Matrix::Zero(used, used);
  if (used > 0) G.selfadjointView<Eigen::Upper>().rankUpdate(V.leftCols(used).transpose());
  return lm_product_from_gram(G, cd, used);
}

LmProduct lm_product_from_gram(const Matrix& G, const Vector& cd, Index used) {
  LmProduct p;
  p.T = Matrix::Zero(used, used);
  for (Index k = 0; k < used; ++k) {
    const double a = 1.0 - cd(k), c = cd(k);
    if (k > 0) {
      // Row k from the unscaled T_k (g_k = G(0:k, k)), then T_k <- a T_k.
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

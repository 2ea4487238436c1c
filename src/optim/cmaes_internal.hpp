// Internal pieces of CmaEs shared by cmaes.cpp and cmaes_matrix.cpp.
#pragma once
#include <deque>

#include "neurocma/optim/cmaes.hpp"

namespace neurocma::detail {

// MA-ES factor M = scale * Mt (Beyer & Sendhoff 2017). T = float keeps the
// n x n matrix and both GEMMs in single precision; the per-generation decay
// (1 - c1/2 - cmu/2 sum w) goes into the double `scale`, so only the small
// rank-(mu+1) increments are rounded to float. T = double is the reference.
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
  static void product(const MatT& A, const MatT& B, bool trans_b, MatT& C, bool accumulate);

  MatT m_Mt;
  double m_scale = 1.0;
  MatT m_zbuf, m_ybuf, m_ubuf, m_vbuf;
};

extern template class MaFactor<float>;
extern template class MaFactor<double>;

}  // namespace neurocma::detail

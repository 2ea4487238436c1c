// Internal pieces of CmaEs shared by cmaes.cpp and cmaes_matrix.cpp.
#pragma once
#include <algorithm>
#include <deque>
#include <vector>

#include "neurocma/core/gemm.hpp"
#include "neurocma/optim/cmaes.hpp"

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

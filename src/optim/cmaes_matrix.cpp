// MA-ES factor for the `full` variant in matrix form.
//
// Reference: H.-G. Beyer and B. Sendhoff, "Simplify Your Covariance Matrix
// Adaptation Evolution Strategy", IEEE TEC 21(5), 2017, Fig. 3 (MA-ES):
//   M <- M [I + c1/2 (s s^T - I) + cw/2 (sum_i w_i z_i z_i^T - I)].
// Written as a + rank-(mu+1) update, M <- a M + U V^T with U = [c1/2 M s,
// cw/2 w_i d_i] (d_i = M z_i already sampled) and V = [s, z_i], it costs one
// n x n x (mu+1) GEMM and no O(n^3) step.
#include <cmath>
#include <limits>
#include <type_traits>

#include "cmaes_internal.hpp"
#include "neurocma/core/gemm.hpp"
#include "neurocma/core/memory.hpp"

namespace neurocma::detail {

template <typename T>
void MaFactor<T>::init(Index n) {
  m_Mt = MatT::Identity(n, n);
  m_scale = 1.0;
  // Both products sweep all of M every generation (176 MB at n = 6634).
  advise_huge_pages(m_Mt.data(), sizeof(T) * static_cast<std::size_t>(m_Mt.size()));
}

// The two n^2-sized products. float goes through sgemm() (packed AVX-512,
// threaded by --threads, same bits for any thread count); double is Eigen's.
template <typename T>
void MaFactor<T>::product(const MatT& A, const MatT& B, bool trans_b, MatT& C, bool accumulate) {
  if constexpr (std::is_same_v<T, float>) {
    sgemm(A, B, trans_b, accumulate ? 1.0f : 0.0f, C);
  } else if (trans_b) {
    C.noalias() += A * B.transpose();
  } else {
    C.noalias() = A * B;
  }
}

template <typename T>
void MaFactor<T>::sample(const Matrix& Z, Matrix& Y, Index cols) {
  const Index n = m_Mt.rows();
  m_zbuf = Z.leftCols(cols).template cast<T>();
  m_ybuf.resize(n, cols);
  product(m_Mt, m_zbuf, false, m_ybuf, false);  // the sampling GEMM, 2 n^2 lambda flops
  Y.leftCols(cols) = m_scale * m_ybuf.template cast<double>();
}

template <typename T>
void MaFactor<T>::update(double a, const Matrix& U, const Matrix& V) {
  // a M + U V^T = (a scale) (Mt + U V^T / (a scale)): exact decay, small increments.
  m_scale *= a;
  m_ubuf = (U / m_scale).template cast<T>();
  m_vbuf = V.template cast<T>();
  product(m_ubuf, m_vbuf, true, m_Mt, true);  // Mt += U V^T, 2 n^2 (mu + 1) flops
  // Keep Mt O(1) so float never under/overflows (rarely taken: a ~ 1 - 1e-6 at n = 6634).
  if (m_scale < 1e-3 || m_scale > 1e3) {
    m_Mt *= static_cast<T>(m_scale);
    m_scale = 1.0;
  }
}

template <typename T>
Vector MaFactor<T>::times(const Vector& v) const {
  const Eigen::Matrix<T, Eigen::Dynamic, 1> vt = v.template cast<T>();
  const Eigen::Matrix<T, Eigen::Dynamic, 1> r = m_Mt * vt;
  return m_scale * r.template cast<double>();
}

template <typename T>
Vector MaFactor<T>::row_norms() const {
  const Eigen::Matrix<T, Eigen::Dynamic, 1> sq = m_Mt.cwiseAbs2().rowwise().sum();
  return std::abs(m_scale) * sq.template cast<double>().cwiseSqrt();
}

template <typename T>
double MaFactor<T>::condition() const {
  const Matrix Md = m_scale * m_Mt.template cast<double>();
  const Matrix G = Md.transpose() * Md;  // same eigenvalues as M M^T
  Eigen::SelfAdjointEigenSolver<Matrix> es(G, Eigen::EigenvaluesOnly);
  const Vector& ev = es.eigenvalues();
  if (ev.size() == 0 || !(ev(0) > 0.0)) return std::numeric_limits<double>::infinity();
  return ev(ev.size() - 1) / ev(0);
}

template <typename T>
std::vector<double> MaFactor<T>::to_vector() const {
  // Mt entries, then scale: exact for float and double alike.
  std::vector<double> v(static_cast<std::size_t>(m_Mt.size()) + 1);
  for (Index i = 0; i < m_Mt.size(); ++i) v[static_cast<std::size_t>(i)] = m_Mt.data()[i];
  v.back() = m_scale;
  return v;
}

template <typename T>
void MaFactor<T>::from_vector(const std::vector<double>& v, Index n) {
  m_Mt.resize(n, n);
  for (Index i = 0; i < m_Mt.size(); ++i)
    m_Mt.data()[i] = static_cast<T>(v[static_cast<std::size_t>(i)]);
  m_scale = v.back();
  advise_huge_pages(m_Mt.data(), sizeof(T) * static_cast<std::size_t>(m_Mt.size()));
}

template class MaFactor<float>;
template class MaFactor<double>;

}  // namespace neurocma::detail

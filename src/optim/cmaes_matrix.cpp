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
#include "neurocma/core/memory.hpp"

namespace neurocma::detail {

template <typename T>
Eigen::Map<typename MaFactor<T>::MatT, 0, Eigen::OuterStride<>> MaFactor<T>::panel(Index p) {
  return {m_Mt.data() + p * m_n * kGemmPanel, panel_rows(p), m_n, Eigen::OuterStride<>(kGemmPanel)};
}

template <typename T>
Eigen::Map<const typename MaFactor<T>::MatT, 0, Eigen::OuterStride<>> MaFactor<T>::panel(
    Index p) const {
  return {m_Mt.data() + p * m_n * kGemmPanel, panel_rows(p), m_n, Eigen::OuterStride<>(kGemmPanel)};
}

template <typename T>
void MaFactor<T>::allocate(Index n) {
  m_n = n;
  m_Mt.assign(static_cast<std::size_t>(panels() * n * kGemmPanel), T(0));
  // Both products sweep all of M every generation (176 MB at n = 6634).
  advise_huge_pages(m_Mt.data(), sizeof(T) * m_Mt.size());
}

template <typename T>
void MaFactor<T>::init(Index n) {
  allocate(n);
  for (Index i = 0; i < n; ++i) panel(i / kGemmPanel)(i % kGemmPanel, i) = T(1);
  m_scale = 1.0;
}

template <typename T>
void MaFactor<T>::sample(const Matrix& Z, Matrix& Y, Index cols) {
  m_zbuf = Z.leftCols(cols).template cast<T>();
  m_ybuf.resize(m_n, cols);
  // The sampling GEMM, 2 n^2 lambda flops: float through sgemm() (packed
  // AVX-512, threaded by --threads, the same bits for any thread count);
  // double panel by panel with Eigen.
  if constexpr (std::is_same_v<T, float>) {
    sgemm_panel_a(m_n, cols, m_n, m_Mt.data(), m_zbuf.data(), m_n, false, 0.0f, m_ybuf.data(), m_n);
  } else {
    for (Index p = 0; p < panels(); ++p)
      m_ybuf.middleRows(p * kGemmPanel, panel_rows(p)).noalias() = panel(p) * m_zbuf;
  }
  Y.leftCols(cols) = m_scale * m_ybuf.template cast<double>();
}

template <typename T>
void MaFactor<T>::update(double a, const Matrix& U, const Matrix& V) {
  // a M + U V^T = (a scale) (Mt + U V^T / (a scale)): exact decay, small increments.
  m_scale *= a;
  m_ubuf = (U / m_scale).template cast<T>();
  m_vbuf = V.template cast<T>();
  // Mt += U V^T, 2 n^2 (mu + 1) flops.
  if constexpr (std::is_same_v<T, float>) {
    sgemm_panel_c(m_n, m_n, m_ubuf.cols(), m_ubuf.data(), m_n, m_vbuf.data(), m_n, true, 1.0f,
                  m_Mt.data());
  } else {
    for (Index p = 0; p < panels(); ++p)
      panel(p).noalias() += m_ubuf.middleRows(p * kGemmPanel, panel_rows(p)) * m_vbuf.transpose();
  }
  // Keep Mt O(1) so float never under/overflows (rarely taken: a ~ 1 - 1e-6 at n = 6634).
  if (m_scale < 1e-3 || m_scale > 1e3) {
    for (T& x : m_Mt) x *= static_cast<T>(m_scale);
    m_scale = 1.0;
  }
}

template <typename T>
Vector MaFactor<T>::times(const Vector& v) const {
  const Eigen::Matrix<T, Eigen::Dynamic, 1> vt = v.template cast<T>();
  Eigen::Matrix<T, Eigen::Dynamic, 1> r(m_n);
  for (Index p = 0; p < panels(); ++p) r.segment(p * kGemmPanel, panel_rows(p)) = panel(p) * vt;
  return m_scale * r.template cast<double>();
}

template <typename T>
Vector MaFactor<T>::row_norms() const {
  Eigen::Matrix<T, Eigen::Dynamic, 1> sq(m_n);
  for (Index p = 0; p < panels(); ++p)
    sq.segment(p * kGemmPanel, panel_rows(p)) = panel(p).rowwise().squaredNorm();
  return std::abs(m_scale) * sq.template cast<double>().cwiseSqrt();
}

template <typename T>
double MaFactor<T>::condition() const {
  Matrix Md(m_n, m_n);
  for (Index p = 0; p < panels(); ++p)
    Md.middleRows(p * kGemmPanel, panel_rows(p)) = m_scale * panel(p).template cast<double>();
  const Matrix G = Md.transpose() * Md;  // same eigenvalues as M M^T
  Eigen::SelfAdjointEigenSolver<Matrix> es(G, Eigen::EigenvaluesOnly);
  const Vector& ev = es.eigenvalues();
  if (ev.size() == 0 || !(ev(0) > 0.0)) return std::numeric_limits<double>::infinity();
  return ev(ev.size() - 1) / ev(0);
}

template <typename T>
std::vector<double> MaFactor<T>::to_vector() const {
  // Mt entries column-major (independent of the panel layout), then scale:
  // exact for float and double alike.
  std::vector<double> v(static_cast<std::size_t>(m_n * m_n) + 1);
  for (Index p = 0; p < panels(); ++p) {
    const auto P = panel(p);
    for (Index j = 0; j < m_n; ++j)
      for (Index r = 0; r < P.rows(); ++r)
        v[static_cast<std::size_t>(p * kGemmPanel + r + j * m_n)] = P(r, j);
  }
  v.back() = m_scale;
  return v;
}

template <typename T>
void MaFactor<T>::from_vector(const std::vector<double>& v, Index n) {
  allocate(n);
  for (Index p = 0; p < panels(); ++p) {
    auto P = panel(p);
    for (Index j = 0; j < n; ++j)
      for (Index r = 0; r < P.rows(); ++r)
        P(r, j) = static_cast<T>(v[static_cast<std::size_t>(p * kGemmPanel + r + j * n)]);
  }
  m_scale = v.back();
}

template class MaFactor<float>;
template class MaFactor<double>;

}  // namespace neurocma::detail

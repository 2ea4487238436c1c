// Full CMA-ES with the covariance matrix C itself: rank-one + rank-mu update
// (tutorial eq. 47, with the active w° of eq. 46) as symmetric rank-k updates,
// and a lazy eigendecomposition C = B D^2 B^T (tutorial Sec. B.2). O(n^3) per
// decomposition, which runs every 1 / (10 n (c1 + cmu)) generations.
#include <Eigen/Eigenvalues>

#include "cmaes_internal.hpp"

namespace neurocma {

void CmaEs::Impl::eigen_init() {
  C = Matrix::Identity(n, n);
  B = Matrix::Identity(n, n);
  BD = Matrix::Identity(n, n);
  D = Vector::Ones(n);
}

void CmaEs::Impl::eigen_sample(Index cols) {
  Y.leftCols(cols).noalias() = BD * Z.leftCols(cols);
}

void CmaEs::Impl::eigen_update(double a, const std::vector<Index>& sel,
                               const std::vector<double>& wo) {
  const Index k = static_cast<Index>(sel.size());
  // eq. (47) as symmetric rank-k updates of the lower triangle (SYRK: half the
  // flops of a GEMM): positive weights and pc in one, negative weights in another.
  Matrix Ypos(n, k + 1), Yneg(n, k);
  Index np = 0, nn = 0;
  Ypos.col(np++) = std::sqrt(c1) * pc;
  for (Index i = 0; i < k; ++i) {
    const double w = cmu * wo[static_cast<std::size_t>(i)];
    const auto col = Y.col(sel[static_cast<std::size_t>(i)]);
    if (w > 0)
      Ypos.col(np++) = std::sqrt(w) * col;
    else
      Yneg.col(nn++) = std::sqrt(-w) * col;
  }
  C.triangularView<Eigen::Lower>() *= a;
  C.selfadjointView<Eigen::Lower>().rankUpdate(Ypos.leftCols(np), 1.0);
  if (nn > 0) C.selfadjointView<Eigen::Lower>().rankUpdate(Yneg.leftCols(nn), -1.0);
  if (gen + 1 - last_decomp >= decomp_interval) decompose(gen + 1);
}

void CmaEs::Impl::decompose(long long now) {
  // Lazy eigendecomposition, tutorial Sec. B.2: only every decomp_interval
  // generations. Only the lower triangle of C is maintained and read.
  Eigen::SelfAdjointEigenSolver<Matrix> es(C);
  const Vector& ev = es.eigenvalues();
  last_decomp = now;
  if (es.info() != Eigen::Success || !ev.allFinite() || !(ev(0) > 0.0)) {
    cond = std::numeric_limits<double>::infinity();
    stop = StopReason::kConditionCov;
    return;  // keep the previous B, D
  }
  cond = ev(n - 1) / ev(0);
  B = es.eigenvectors();
  D = ev.cwiseSqrt();
  BD = B * D.asDiagonal();
}

void CmaEs::Impl::eigen_save(StateMap& out) const {
  out["C"] = state_vec(C);
  out["B"] = state_vec(B);
  out["D"] = state_vec(D);
}

void CmaEs::Impl::eigen_load(const StateMap& st) {
  const auto un = static_cast<std::size_t>(n);
  state_load(state_array(st, "C", un * un), C, n, n);
  state_load(state_array(st, "B", un * un), B, n, n);
  state_load(state_array(st, "D", un), D);
  BD = B * D.asDiagonal();
}

}  // namespace neurocma

// Single-precision matrix product for the three products that dominate
// CMA-ES training time: the population's first layer (batch x in x
// out*lambda), full MA-ES sampling (n x n x lambda) and its rank-(mu+1)
// update (n x mu+1 x n).
//
// Eigen's float GEMM reaches about 55% of this machine's AVX-512 peak
// (docs/benchmarks.md). This one follows the GotoBLAS/BLIS layout (K. Goto
// and R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication",
// ACM TOMS 34(3), 2008): B is packed once into kc x 10 slivers, each thread
// packs mc x kc blocks of A into 32-row slivers, and a 32 x 10 register
// micro-kernel (20 accumulators, two AVX-512 loads and ten broadcasts per
// step) does the flops. Without AVX-512 a portable kernel takes its place.
// Shallow products (the update, k = 51) prefetch C's tile before the k loop:
// its columns are a page apart and the loads would otherwise stall.
//
// Determinism: every element of C is summed in the same order (kc blocks in
// turn) whatever the thread count, so threads = 1 and threads = 4 give the
// same bits. tests/unit/test_gemm.cpp checks it against the double-precision
// product.
#pragma once
#include "neurocma/core/types.hpp"

namespace neurocma {

// Applied to C after the product, while each tile is still in registers:
// C(:, j) += col_bias[j] (col_bias has n entries, or is null), then, with
// relu, C = max(C, 0). The same float operations as doing it afterwards, so
// the same bits. The population's first layer uses it for its bias and relu.
struct SgemmEpilogue {
  const float* col_bias = nullptr;
  bool relu = false;
};

// C = beta * C + A * op(B), all column-major, then the epilogue.
//   A: m x k (leading dimension lda); C: m x n (ldc).
//   op(B) = B, k x n (ldb), or with trans_b, B^T where B is n x k (ldb).
// beta is 0 (C is overwritten, its old values never read) or any factor.
// threads >= 1 split the rows of C (0: sgemm_threads()); the result does not
// depend on it.
void sgemm(Index m, Index n, Index k, const float* A, Index lda, const float* B, Index ldb,
           bool trans_b, float beta, float* C, Index ldc, int threads = 0,
           const SgemmEpilogue& epilogue = {});

// Eigen front end: C = beta * C + A * B (or A * B^T with trans_b), then the epilogue.
void sgemm(const Eigen::Ref<const MatrixF>& A, const Eigen::Ref<const MatrixF>& B, bool trans_b,
           float beta, Eigen::Ref<MatrixF> C, int threads = 0, const SgemmEpilogue& epilogue = {});

// C = beta * C + A^T * B (A is k x m). B is read in place, not packed: these
// are LM-MA-ES's long products (k = n) against the n x lambda sample, which
// is read once. Same sums as packing it.
void sgemm_tn(const Eigen::Ref<const MatrixF>& A, const Eigen::Ref<const MatrixF>& B, float beta,
              Eigen::Ref<MatrixF> C, int threads = 0);

// Panel layout: a matrix with m rows kept as ceil(m / kGemmPanel) panels,
// panel p holding rows [32p, 32p + 32) as a column-major 32 x cols block
// (rows past m zero). It is the layout sgemm() packs A into, so an A in
// panels is used without packing, and a C in panels has contiguous tiles.
// Full MA-ES keeps its n x n factor this way (optim/cmaes_matrix.cpp).
constexpr Index kGemmPanel = 32;
// C = beta * C + A * op(B) with A (m x k) in panels; B and C as in sgemm().
void sgemm_panel_a(Index m, Index n, Index k, const float* A, const float* B, Index ldb,
                   bool trans_b, float beta, float* C, Index ldc, int threads = 0);
// C = beta * C + A * op(B) with C (m x n) in panels; A and B as in sgemm().
void sgemm_panel_c(Index m, Index n, Index k, const float* A, Index lda, const float* B, Index ldb,
                   bool trans_b, float beta, float* C, int threads = 0);

// Threads of sgemm() calls that do not name a count (`--threads` of the CLI).
// Process-wide like Eigen::setNbThreads(); 1 by default, since under MPI each
// rank usually has one core. Throws RuntimeError for n < 1.
void set_sgemm_threads(int n);
int sgemm_threads();

// The micro-kernel in use: "avx512" or "portable". force_portable selects the
// portable one even where AVX-512 exists (tests compare the two).
const char* sgemm_kernel();
void sgemm_force_portable(bool on);

}  // namespace neurocma

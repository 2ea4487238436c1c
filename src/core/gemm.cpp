// Packed single-precision GEMM (see gemm.hpp for the design and sources).
#include "neurocma/core/gemm.hpp"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "neurocma/core/error.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace neurocma {
namespace {

constexpr Index kMr = kGemmPanel;  // rows of the micro-tile: two AVX-512 registers
constexpr Index kNr = 10;          // columns: 20 accumulators (100 = 10 x 10, 3200 = 320 x 10)
constexpr Index kKc = 256;         // depth of a block: A sliver 32 KB + B sliver 10 KB in L1
// Floats of an A block (mc x kc), kept in L2. Shallow products (the rank-51
// update) get tall blocks: each block sweeps all columns of C, so fewer
// blocks mean fewer passes over C's pages.
constexpr Index kABlockFloats = 65536;

Index round_up(Index x, Index r) {
  return (x + r - 1) / r * r;
}

// op(B) rows [k0, k0 + kc) into ceil(n / kNr) slivers of kc x kNr, row by row,
// zero-padded past column n.
void pack_b(const float* B, Index ldb, bool trans_b, Index n, Index k0, Index kc, float* out) {
  for (Index j0 = 0; j0 < n; j0 += kNr) {
    const Index cols = std::min(kNr, n - j0);
    for (Index p = 0; p < kc; ++p) {
      float* o = out + p * kNr;
      if (trans_b) {
        const float* src = B + (k0 + p) * ldb + j0;
        for (Index j = 0; j < cols; ++j) o[j] = src[j];
      } else {
        const float* src = B + (k0 + p) + j0 * ldb;
        for (Index j = 0; j < cols; ++j) o[j] = src[j * ldb];
      }
      for (Index j = cols; j < kNr; ++j) o[j] = 0.0f;
    }
    out += kc * kNr;
  }
}

// op(A) rows [i0, i0 + mc), columns [k0, k0 + kc) into slivers of kMr x kc,
// column by column, zero-padded past row m. op(A)(i, p) = A[i + p lda], or
// A[p + i lda] with trans_a.
void pack_a(const float* A, Index lda, bool trans_a, Index m, Index i0, Index mc, Index k0,
            Index kc, float* out) {
  for (Index r0 = i0; r0 < i0 + mc; r0 += kMr) {
    const Index rows = std::min(kMr, m - r0);
    if (trans_a) {
      for (Index r = 0; r < rows; ++r) {
        const float* src = A + k0 + (r0 + r) * lda;
        for (Index p = 0; p < kc; ++p) out[p * kMr + r] = src[p];
      }
      for (Index p = 0; p < kc; ++p)
        for (Index r = rows; r < kMr; ++r) out[p * kMr + r] = 0.0f;
    } else {
      for (Index p = 0; p < kc; ++p) {
        const float* src = A + r0 + (k0 + p) * lda;
        float* o = out + p * kMr;
        for (Index r = 0; r < rows; ++r) o[r] = src[r];
        for (Index r = rows; r < kMr; ++r) o[r] = 0.0f;
      }
    }
    out += kc * kMr;
  }
}

// How a micro-tile is written: the first k block overwrites (beta = 0) or
// scales C; later blocks add to it. On the last k block, bias (the tile's
// first column's entry, or null) is added per column and relu applied, while
// the tile is still in registers.
struct Store {
  bool first;
  float beta;
  bool last = false;
  const float* bias = nullptr;
  bool relu = false;
};

// C(0:rows, 0:cols) (+)= a (kMr x kc, packed) * b (kc x kNr). b is a packed
// sliver (ldb 0) or B itself, column-major with leading dimension ldb; then
// columns past `cols` read column 0 (computed, never stored).
void portable_kernel(Index kc, const float* a, const float* b, Index ldb, float* c, Index ldc,
                     Index rows, Index cols, Store st) {
  float acc[kNr][kMr] = {};
  for (Index p = 0; p < kc; ++p) {
    for (Index j = 0; j < kNr; ++j) {
      const float bj = ldb == 0 ? b[p * kNr + j] : b[(j < cols ? j : 0) * ldb + p];
      for (Index r = 0; r < kMr; ++r) acc[j][r] += a[r] * bj;
    }
    a += kMr;
  }
  for (Index j = 0; j < cols; ++j)
    for (Index r = 0; r < rows; ++r) {
      float& x = c[r + j * ldc];
      if (!st.first)
        x = x + acc[j][r];
      else if (st.beta != 0.0f)
        x = st.beta * x + acc[j][r];
      else
        x = acc[j][r];
      if (st.last) {
        if (st.bias != nullptr) x = x + st.bias[j];
        if (st.relu) x = std::max(x, 0.0f);
      }
    }
}

#if defined(__AVX512F__)
void avx512_kernel(Index kc, const float* a, const float* b, Index ldb, float* c, Index ldc,
                   Index rows, Index cols, Store st) {
  __m512 acc[kNr][2];
  for (Index j = 0; j < kNr; ++j) acc[j][0] = acc[j][1] = _mm512_setzero_ps();
  if (!st.first || st.beta != 0.0f) {
    // C's columns are far apart (one page each at n = 6634): fetch the tile
    // while the k loop runs, or a shallow product waits on every load.
    for (Index j = 0; j < cols; ++j) {
      _mm_prefetch(reinterpret_cast<const char*>(c + j * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + j * ldc + 16), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + j * ldc + kMr - 1), _MM_HINT_T0);
    }
  }
  if (ldb == 0) {
    for (Index p = 0; p < kc; ++p) {
      const __m512 a0 = _mm512_loadu_ps(a);
      const __m512 a1 = _mm512_loadu_ps(a + 16);
#pragma GCC unroll 10
      for (Index j = 0; j < kNr; ++j) {
        const __m512 bj = _mm512_set1_ps(b[j]);
        acc[j][0] = _mm512_fmadd_ps(a0, bj, acc[j][0]);
        acc[j][1] = _mm512_fmadd_ps(a1, bj, acc[j][1]);
      }
      a += kMr;
      b += kNr;
    }
  } else {
    // B in place: ten column streams, each read sequentially.
    const float* col[kNr];
    for (Index j = 0; j < kNr; ++j) col[j] = b + (j < cols ? j : 0) * ldb;
    for (Index p = 0; p < kc; ++p) {
      const __m512 a0 = _mm512_loadu_ps(a);
      const __m512 a1 = _mm512_loadu_ps(a + 16);
#pragma GCC unroll 10
      for (Index j = 0; j < kNr; ++j) {
        const __m512 bj = _mm512_set1_ps(col[j][p]);
        acc[j][0] = _mm512_fmadd_ps(a0, bj, acc[j][0]);
        acc[j][1] = _mm512_fmadd_ps(a1, bj, acc[j][1]);
      }
      a += kMr;
    }
  }
  const __mmask16 m0 = rows >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << rows) - 1u);
  const __mmask16 m1 = rows >= 32  ? __mmask16(0xFFFF)
                       : rows > 16 ? __mmask16((1u << (rows - 16)) - 1u)
                                   : __mmask16(0);
  const __m512 vbeta = _mm512_set1_ps(st.beta);
  for (Index j = 0; j < cols; ++j) {
    float* cj = c + j * ldc;
    __m512 r0 = acc[j][0], r1 = acc[j][1];
    if (!st.first || st.beta != 0.0f) {
      const __m512 c0 = _mm512_maskz_loadu_ps(m0, cj);
      const __m512 c1 = _mm512_maskz_loadu_ps(m1, cj + 16);
      if (st.first) {
        r0 = _mm512_fmadd_ps(vbeta, c0, r0);
        r1 = _mm512_fmadd_ps(vbeta, c1, r1);
      } else {
        r0 = _mm512_add_ps(c0, r0);
        r1 = _mm512_add_ps(c1, r1);
      }
    }
    if (st.last) {
      if (st.bias != nullptr) {
        const __m512 bj = _mm512_set1_ps(st.bias[j]);
        r0 = _mm512_add_ps(r0, bj);
        r1 = _mm512_add_ps(r1, bj);
      }
      if (st.relu) {  // max(0, r) returns r when r is NaN: NaN stays NaN, as with std::max
        r0 = _mm512_max_ps(_mm512_setzero_ps(), r0);
        r1 = _mm512_max_ps(_mm512_setzero_ps(), r1);
      }
    }
    _mm512_mask_storeu_ps(cj, m0, r0);
    _mm512_mask_storeu_ps(cj + 16, m1, r1);
  }
}
#endif

// Packing buffers of the calling thread, grown on demand and reused, so that
// a product per generation allocates nothing once warm.
struct Workspace {
  std::vector<float> b;
  std::vector<std::vector<float>> a;
};
thread_local Workspace t_ws;

// Grows a buffer, never shrinks it: resizing down and up again would
// zero-fill the regrown part on every call.
void grow(std::vector<float>& v, Index size) {
  if (static_cast<Index>(v.size()) < size) v.resize(static_cast<std::size_t>(size));
}

int g_threads = 1;
bool g_force_portable = false;

using Kernel = void (*)(Index, const float*, const float*, Index, float*, Index, Index, Index,
                        Store);
Kernel kernel() {
#if defined(__AVX512F__)
  if (!g_force_portable) return avx512_kernel;
#endif
  return portable_kernel;
}

}  // namespace

void set_sgemm_threads(int n) {
  if (n < 1) throw RuntimeError("threads: expected >= 1, got " + std::to_string(n));
  g_threads = n;
}
int sgemm_threads() {
  return g_threads;
}
const char* sgemm_kernel() {
  return kernel() == portable_kernel ? "portable" : "avx512";
}
void sgemm_force_portable(bool on) {
  g_force_portable = on;
}

namespace {

// Where A's rows and C's tiles live: column-major with a leading dimension,
// or in panels of kMr rows (gemm.hpp), where an A sliver needs no packing
// and a C tile is contiguous.
struct AOperand {
  const float* data;
  Index ld;  // column-major leading dimension; unused for panels
  bool panels;
  bool trans = false;  // op(A) = A^T, A stored k x m
};
struct COperand {
  float* data;
  Index ld;
  bool panels;
};

// Every entry point ends here, and the shapes are checked here once: leading
// dimensions only where an operand is column-major.
// direct_b (with op(B) = B only): the micro-kernel reads B in place instead of
// a packed copy. Worth it when B is large and read once, as the long-k
// products of sgemm_tn() are; the sums are the same either way.
void drive(Index m, Index n, Index k, AOperand A, const float* B, Index ldb, bool trans_b,
           float beta, COperand C, int threads, const SgemmEpilogue& epi = {},
           bool direct_b = false) {
  if (m < 0 || n < 0 || k < 0 || threads < 0 || ldb < std::max<Index>(1, trans_b ? n : k) ||
      (!A.panels && A.ld < std::max<Index>(1, A.trans ? k : m)) ||
      (!C.panels && C.ld < std::max<Index>(1, m)))
    throw RuntimeError("sgemm: inconsistent shapes or leading dimensions");
  if (m == 0 || n == 0) return;
  if (threads == 0) threads = g_threads;
  auto c_at = [&](Index i, Index j) -> float* {
    return C.panels ? C.data + (i / kMr) * n * kMr + j * kMr + i % kMr : C.data + i + j * C.ld;
  };
  const Index ldc = C.panels ? kMr : C.ld;
  if (k == 0) {  // C = beta C, then the epilogue
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < m; ++i) {
        float* x = c_at(i, j);
        *x = beta == 0.0f ? 0.0f : beta * *x;
        if (epi.col_bias != nullptr) *x = *x + epi.col_bias[j];
        if (epi.relu) *x = std::max(*x, 0.0f);
      }
    return;
  }
  const Index npad = round_up(n, kNr);
  Workspace& ws = t_ws;
  direct_b = direct_b && !trans_b;
  if (!direct_b) {
    grow(ws.b, npad * k);
    for (Index k0 = 0; k0 < k; k0 += kKc)
      pack_b(B, ldb, trans_b, n, k0, std::min(kKc, k - k0), ws.b.data() + k0 * npad);
  }

  // Work items are (row block, column chunk) tiles of C, dealt round-robin to
  // the threads. A tile is computed the same way whichever thread takes it
  // and however C is chunked, so the bits never depend on the thread count.
  // Chunks only exist to give every thread work when C has few row blocks
  // (the first layer: 256 rows).
  const Index kMc =
      std::max(kMr, std::min(round_up(m, kMr), kABlockFloats / std::min(k, kKc) / kMr * kMr));
  const Index blocks = (m + kMc - 1) / kMc;
  const Index per_block = threads == 1 ? 1 : (4 * threads + blocks - 1) / blocks;
  const Index chunk = round_up((n + per_block - 1) / per_block, kNr);
  const Index chunks = (n + chunk - 1) / chunk, items = blocks * chunks;
  const int T = static_cast<int>(std::min<Index>(threads, items));
  if (static_cast<int>(ws.a.size()) < T) ws.a.resize(static_cast<std::size_t>(T));
  const Kernel micro_kernel = kernel();
  auto work = [&](int t) {
    std::vector<float>& abuf = ws.a[static_cast<std::size_t>(t)];
    if (!A.panels) grow(abuf, kMc * kKc);
    for (Index item = t; item < items; item += T) {
      const Index i0 = (item / chunks) * kMc, mc = std::min(kMc, m - i0);
      const Index c0 = (item % chunks) * chunk, c1 = std::min(n, c0 + chunk);
      for (Index k0 = 0; k0 < k; k0 += kKc) {
        const Index kc = std::min(kKc, k - k0);
        if (!A.panels) pack_a(A.data, A.ld, A.trans, m, i0, mc, k0, kc, abuf.data());
        const bool last = k0 + kc == k;
        const float* bpanel = direct_b ? nullptr : ws.b.data() + k0 * npad;
        auto tile = [&](Index r0, Index j0) {
          const float* as = A.panels ? A.data + ((i0 + r0) / kMr) * k * kMr + k0 * kMr
                                     : abuf.data() + (r0 / kMr) * kc * kMr;
          const Store st{k0 == 0, beta, last,
                         last && epi.col_bias != nullptr ? epi.col_bias + j0 : nullptr,
                         last && epi.relu};
          const float* bs = direct_b ? B + k0 + j0 * ldb : bpanel + (j0 / kNr) * kc * kNr;
          micro_kernel(kc, as, bs, direct_b ? ldb : 0, c_at(i0 + r0, j0), ldc,
                       std::min(kMr, mc - r0), std::min(kNr, n - j0), st);
        };
        if (A.panels || C.panels) {
          // A comes straight from memory, or C's tiles of a panel are consecutive:
          // keep each A sliver in L1 and sweep along the panel.
          for (Index r0 = 0; r0 < mc; r0 += kMr)
            for (Index j0 = c0; j0 < c1; j0 += kNr) tile(r0, j0);
        } else {
          // Goto's order: a B sliver in L1 against the packed A block in L2.
          for (Index j0 = c0; j0 < c1; j0 += kNr)
            for (Index r0 = 0; r0 < mc; r0 += kMr) tile(r0, j0);
        }
      }
    }
  };
  if (T == 1) {
    work(0);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(T - 1));
  for (int t = 1; t < T; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& th : pool) th.join();
}

// "r x c" of an Eigen operand, for shape errors.
std::string dims(Index rows, Index cols) {
  return std::to_string(rows) + " x " + std::to_string(cols);
}

}  // namespace

void sgemm(Index m, Index n, Index k, const float* A, Index lda, const float* B, Index ldb,
           bool trans_b, float beta, float* C, Index ldc, int threads,
           const SgemmEpilogue& epilogue) {
  drive(m, n, k, AOperand{A, lda, false}, B, ldb, trans_b, beta, COperand{C, ldc, false}, threads,
        epilogue);
}

void sgemm_tn(const Eigen::Ref<const MatrixF>& A, const Eigen::Ref<const MatrixF>& B, float beta,
              Eigen::Ref<MatrixF> C, int threads) {
  const Index m = A.cols(), k = A.rows(), n = B.cols();
  if (B.rows() != k || C.rows() != m || C.cols() != n)
    throw RuntimeError("sgemm_tn: A^T is " + dims(m, k) + ", B is " + dims(B.rows(), n) +
                       ", C is " + dims(C.rows(), C.cols()));
  drive(m, n, k, AOperand{A.data(), std::max<Index>(1, A.outerStride()), false, true}, B.data(),
        std::max<Index>(1, B.outerStride()), false, beta,
        COperand{C.data(), std::max<Index>(1, C.outerStride()), false}, threads, {},
        /*direct_b=*/true);
}

void sgemm_panel_a(Index m, Index n, Index k, const float* A, const float* B, Index ldb,
                   bool trans_b, float beta, float* C, Index ldc, int threads) {
  drive(m, n, k, AOperand{A, 0, true}, B, ldb, trans_b, beta, COperand{C, ldc, false}, threads);
}

void sgemm_panel_c(Index m, Index n, Index k, const float* A, Index lda, const float* B, Index ldb,
                   bool trans_b, float beta, float* C, int threads) {
  drive(m, n, k, AOperand{A, lda, false}, B, ldb, trans_b, beta, COperand{C, 0, true}, threads);
}

void sgemm(const Eigen::Ref<const MatrixF>& A, const Eigen::Ref<const MatrixF>& B, bool trans_b,
           float beta, Eigen::Ref<MatrixF> C, int threads, const SgemmEpilogue& epilogue) {
  const Index k = A.cols();
  const Index n = trans_b ? B.rows() : B.cols();
  if ((trans_b ? B.cols() : B.rows()) != k || C.rows() != A.rows() || C.cols() != n)
    throw RuntimeError("sgemm: A is " + dims(A.rows(), A.cols()) + ", B is " +
                       dims(B.rows(), B.cols()) + (trans_b ? " (transposed)" : "") + ", C is " +
                       dims(C.rows(), C.cols()));
  sgemm(A.rows(), n, k, A.data(), std::max<Index>(1, A.outerStride()), B.data(),
        std::max<Index>(1, B.outerStride()), trans_b, beta, C.data(),
        std::max<Index>(1, C.outerStride()), threads, epilogue);
}

}  // namespace neurocma

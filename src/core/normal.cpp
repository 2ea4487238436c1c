// Box-Muller deviates in blocks (see normal.hpp).
//
// GCC 12 warns that _mm512_undefined_epi32()'s deliberately uninitialized
// register is "used uninitialized" when Eigen's AVX-512 sin/cos inline here (a
// false positive of the intrinsic's self-initialization idiom).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "neurocma/core/normal.hpp"

#include <algorithm>
#include <cmath>

namespace neurocma {
namespace {

constexpr Index kPairs = 256;  // deviates per block: 2 * kPairs
constexpr float kTwoPiF = 6.28318530717958647692f;
constexpr double kTwoPi = 6.28318530717958647692;

// The two 24-bit uniforms of one draw, as exact integers.
inline void uniform_bits(std::uint64_t x, std::uint32_t& a, std::uint32_t& b) {
  a = static_cast<std::uint32_t>(x >> 40) + 1u;           // 1 .. 2^24
  b = static_cast<std::uint32_t>((x >> 16) & 0xFFFFFFu);  // 0 .. 2^24 - 1
}

// Calls emit(pairs, block_out, count) per block: `pairs` draws were made and
// `count` deviates go to block_out (cos parts first, then sin parts).
template <typename Block>
void for_blocks(Index n, Block&& block) {
  for (Index done = 0; done < n;) {
    const Index count = std::min<Index>(2 * kPairs, n - done);
    block(done, (count + 1) / 2, count);
    done += count;
  }
}

}  // namespace

void fill_normal(Rng& rng, double* out, Index n) {
  using Block = Eigen::Array<float, kPairs, 1>;
  Block u1, u2, r, c, s;
  for_blocks(n, [&](Index start, Index pairs, Index count) {
    for (Index i = 0; i < pairs; ++i) {
      std::uint32_t a, b;
      uniform_bits(rng(), a, b);
      u1(i) = static_cast<float>(a) * 0x1.0p-24f;
      u2(i) = static_cast<float>(b) * 0x1.0p-24f;
    }
    for (Index i = pairs; i < kPairs; ++i) {
      u1(i) = 1.0f;  // unused lanes: finite values
      u2(i) = 0.0f;
    }
    r = (-2.0f * u1.log()).sqrt();
    c = r * (kTwoPiF * u2).cos();
    s = r * (kTwoPiF * u2).sin();
    double* o = out + start;
    for (Index i = 0; i < pairs; ++i) o[i] = static_cast<double>(c(i));
    for (Index i = pairs; i < count; ++i) o[i] = static_cast<double>(s(i - pairs));
  });
}

void fill_normal_reference(Rng& rng, double* out, Index n) {
  for_blocks(n, [&](Index start, Index pairs, Index count) {
    double* o = out + start;
    for (Index i = 0; i < pairs; ++i) {
      std::uint32_t a, b;
      uniform_bits(rng(), a, b);
      const double u1 = static_cast<double>(a) * 0x1.0p-24;
      const double u2 = static_cast<double>(b) * 0x1.0p-24;
      const double r = std::sqrt(-2.0 * std::log(u1));
      o[i] = r * std::cos(kTwoPi * u2);
      if (pairs + i < count) o[pairs + i] = r * std::sin(kTwoPi * u2);
    }
  });
}

}  // namespace neurocma

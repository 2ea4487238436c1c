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
#include <cstdint>
#include <cstring>

namespace neurocma {
namespace {

constexpr Index kPairs = 256;  // deviates per block: 2 * kPairs
constexpr float kTwoPiF = 6.28318530717958647692f;
constexpr double kTwoPi = 6.28318530717958647692;

// Eight xoshiro256++ generators side by side (Blackman & Vigna 2019), seeded
// through SplitMix64 from eight draws of the caller's Rng. One scalar stream
// cost about as much as the whole Box-Muller transform (perf, bench_cmaes
// Normals). GCC/Clang vector types make each step a few AVX-512 (or 2 x AVX2)
// instructions without intrinsics.
using U64x8 = std::uint64_t __attribute__((vector_size(64)));
using I32x8 = std::int32_t __attribute__((vector_size(32)));
using F32x8 = float __attribute__((vector_size(32)));
constexpr Index kLanes = 8;

class LaneRng {
 public:
  explicit LaneRng(Rng& rng) {
    for (Index l = 0; l < kLanes; ++l) {
      std::uint64_t x = rng();
      m_s0[l] = splitmix64(x);
      m_s1[l] = splitmix64(x);
      m_s2[l] = splitmix64(x);
      m_s3[l] = splitmix64(x);
    }
  }
  U64x8 next() {
    const U64x8 sum = m_s0 + m_s3;
    const U64x8 out = ((sum << 23) | (sum >> 41)) + m_s0;
    const U64x8 t = m_s1 << 17;
    m_s2 ^= m_s0;
    m_s3 ^= m_s1;
    m_s1 ^= m_s2;
    m_s0 ^= m_s3;
    m_s2 ^= t;
    m_s3 = (m_s3 << 45) | (m_s3 >> 19);
    return out;
  }

 private:
  U64x8 m_s0{}, m_s1{}, m_s2{}, m_s3{};
};

// Draws for `pairs` pairs (rounded up to whole lane steps; the rest unused).
inline void draw_bits(LaneRng& lanes, std::uint64_t* bits, Index pairs) {
  for (Index i = 0; i < pairs; i += kLanes) {
    const U64x8 v = lanes.next();
    std::memcpy(bits + i, &v, sizeof v);
  }
}

// The two 24-bit uniforms of one draw, as exact integers.
inline void uniform_bits(std::uint64_t x, std::uint32_t& a, std::uint32_t& b) {
  a = static_cast<std::uint32_t>(x >> 40) + 1u;           // 1 .. 2^24
  b = static_cast<std::uint32_t>((x >> 16) & 0xFFFFFFu);  // 0 .. 2^24 - 1
}

// uniform_bits() of eight draws, as floats: u1 in (0, 1], u2 in [0, 1).
inline void uniforms(const U64x8& x, float* u1, float* u2) {
  const F32x8 scale = F32x8{} + 0x1.0p-24f;
  const F32x8 a =
      __builtin_convertvector(__builtin_convertvector((x >> 40) + 1, I32x8), F32x8) * scale;
  const F32x8 b =
      __builtin_convertvector(__builtin_convertvector((x >> 16) & 0xFFFFFFu, I32x8), F32x8) * scale;
  std::memcpy(u1, &a, sizeof a);
  std::memcpy(u2, &b, sizeof b);
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

namespace {

// The transform into doubles or floats: the deviates are float results, so
// both hold the same values.
template <typename T>
void fill_normal_into(Rng& rng, T* out, Index n) {
  using Block = Eigen::Array<float, kPairs, 1>;
  Block r, c, s;
  alignas(64) float f1[kPairs], f2[kPairs];
  const Eigen::Map<const Block, Eigen::Aligned64> u1(f1), u2(f2);
  LaneRng lanes(rng);
  for_blocks(n, [&](Index start, Index pairs, Index count) {
    Index i = 0;
    for (; i < pairs; i += kLanes) uniforms(lanes.next(), f1 + i, f2 + i);
    for (; i < kPairs; ++i) {
      f1[i] = 1.0f;  // unused lanes: finite values
      f2[i] = 0.0f;
    }
    r = (-2.0f * u1.log()).sqrt();
    c = r * (kTwoPiF * u2).cos();
    s = r * (kTwoPiF * u2).sin();
    T* o = out + start;
    for (Index k = 0; k < pairs; ++k) o[k] = static_cast<T>(c(k));
    for (Index k = pairs; k < count; ++k) o[k] = static_cast<T>(s(k - pairs));
  });
}

}  // namespace

void fill_normal(Rng& rng, double* out, Index n) {
  fill_normal_into(rng, out, n);
}

void fill_normal(Rng& rng, float* out, Index n) {
  fill_normal_into(rng, out, n);
}

void fill_normal_reference(Rng& rng, double* out, Index n) {
  std::uint64_t bits[kPairs] = {};
  LaneRng lanes(rng);
  for_blocks(n, [&](Index start, Index pairs, Index count) {
    draw_bits(lanes, bits, pairs);
    double* o = out + start;
    for (Index i = 0; i < pairs; ++i) {
      std::uint32_t a, b;
      uniform_bits(bits[i], a, b);
      const double u1 = static_cast<double>(a) * 0x1.0p-24;
      const double u2 = static_cast<double>(b) * 0x1.0p-24;
      const double r = std::sqrt(-2.0 * std::log(u1));
      o[i] = r * std::cos(kTwoPi * u2);
      if (pairs + i < count) o[pairs + i] = r * std::sin(kTwoPi * u2);
    }
  });
}

}  // namespace neurocma

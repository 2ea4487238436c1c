// Seeded random numbers. Every random draw in neurocma comes from an Rng that
// was passed in; streams are derived from (base_seed, run, stream) so results
// never depend on the number of ranks or the order jobs ran in.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace neurocma {

// SplitMix64 finaliser, used to derive independent seeds.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Named streams so that e.g. data shuffling and CMA-ES sampling never share draws.
enum class Stream : std::uint64_t {
  kInit = 1,       // weight initialisation
  kSplit = 2,      // train/val/test split (data seed)
  kShuffle = 3,    // mini-batch order
  kOptimizer = 4,  // optimizer sampling (CMA-ES)
  kTune = 5,       // hyperparameter sampler
  kRotation = 6,   // test-function rotations
  kUser = 100
};

// xoshiro256++ (Blackman & Vigna 2019): small state, fast, satisfies
// UniformRandomBitGenerator so it works with <random> as well.
class Rng {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }
  // Stream derived from a base seed and up to two further keys.
  Rng(std::uint64_t base_seed, std::uint64_t key1, std::uint64_t key2) {
    std::uint64_t s = base_seed;
    std::uint64_t a = splitmix64(s) ^ (key1 * 0xD1B54A32D192ED03ULL);
    std::uint64_t b = splitmix64(a) ^ (key2 * 0xABC98388FB8FAC03ULL);
    reseed(splitmix64(b));
  }
  Rng(std::uint64_t base_seed, std::uint64_t run, Stream stream)
      : Rng(base_seed, run, static_cast<std::uint64_t>(stream)) {}

  void reseed(std::uint64_t seed) {
    std::uint64_t s = seed;
    for (auto& w : m_s) w = splitmix64(s);
    m_has_spare = false;
  }

  result_type operator()() {
    const std::uint64_t result = rotl(m_s[0] + m_s[3], 23) + m_s[0];
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) {
    // Lemire's multiply-shift with rejection: unbiased.
    __extension__ typedef unsigned __int128 u128;
    u128 m = static_cast<u128>((*this)()) * n;
    std::uint64_t l = static_cast<std::uint64_t>(m);
    if (l < n) {
      const std::uint64_t t = (0 - n) % n;
      while (l < t) {
        m = static_cast<u128>((*this)()) * n;
        l = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }
  // Standard normal, Marsaglia polar method (portable: same numbers everywhere).
  double normal() {
    if (m_has_spare) {
      m_has_spare = false;
      return m_spare;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    m_spare = v * f;
    m_has_spare = true;
    return u * f;
  }

  // Complete state, for checkpoints.
  std::array<std::uint64_t, 6> state() const {
    std::uint64_t spare_bits;
    static_assert(sizeof(spare_bits) == sizeof(m_spare));
    __builtin_memcpy(&spare_bits, &m_spare, sizeof(spare_bits));
    return {m_s[0], m_s[1], m_s[2], m_s[3], m_has_spare ? 1u : 0u, spare_bits};
  }
  void set_state(const std::array<std::uint64_t, 6>& st) {
    for (int i = 0; i < 4; ++i) m_s[i] = st[i];
    m_has_spare = st[4] != 0;
    __builtin_memcpy(&m_spare, &st[5], sizeof(m_spare));
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> m_s{};
  bool m_has_spare = false;
  double m_spare = 0.0;
};

// Fisher-Yates shuffle driven by an Rng (std::shuffle's output is library-specific).
template <typename It>
void shuffle(It first, It last, Rng& rng) {
  const auto n = last - first;
  for (auto i = n - 1; i > 0; --i) {
    const auto j = static_cast<decltype(i)>(rng.below(static_cast<std::uint64_t>(i) + 1));
    std::swap(first[i], first[j]);
  }
}

}  // namespace neurocma

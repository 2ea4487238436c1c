#include "neurocma/core/peer_rng.hpp"

#include <string>

#include "neurocma/core/error.hpp"

namespace neurocma {

void Mt19937::seed_with(std::uint32_t seed) {
  m_mt[0] = seed;
  for (int i = 1; i < kN; ++i)
    m_mt[static_cast<std::size_t>(i)] =
        1812433253u * (m_mt[static_cast<std::size_t>(i - 1)] ^
                       (m_mt[static_cast<std::size_t>(i - 1)] >> 30)) +
        static_cast<std::uint32_t>(i);
  m_i = kN;
}

std::uint32_t Mt19937::operator()() {
  constexpr int kM = 397;
  constexpr std::uint32_t kUpper = 0x80000000u, kLower = 0x7fffffffu, kMatrix = 0x9908b0dfu;
  if (m_i >= kN) {
    for (int k = 0; k < kN; ++k) {
      const std::uint32_t y = (m_mt[static_cast<std::size_t>(k)] & kUpper) |
                              (m_mt[static_cast<std::size_t>((k + 1) % kN)] & kLower);
      m_mt[static_cast<std::size_t>(k)] =
          m_mt[static_cast<std::size_t>((k + kM) % kN)] ^ (y >> 1) ^ ((y & 1u) ? kMatrix : 0u);
    }
    m_i = 0;
  }
  std::uint32_t y = m_mt[static_cast<std::size_t>(m_i++)];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

std::vector<std::uint64_t> Mt19937::state() const {
  std::vector<std::uint64_t> s(m_mt.begin(), m_mt.end());
  s.push_back(static_cast<std::uint64_t>(m_i));
  return s;
}

void Mt19937::set_state(const std::vector<std::uint64_t>& s) {
  if (s.size() != kN + 1 || s.back() > static_cast<std::uint64_t>(kN))
    throw RuntimeError("MT19937 state: expected 625 numbers with a position <= 624, got " +
                       std::to_string(s.size()));
  for (int i = 0; i < kN; ++i)
    m_mt[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(s[static_cast<std::size_t>(i)]);
  m_i = static_cast<int>(s.back());
}

float TorchGenerator::uniform_float(double from, double to) {
  // at::uniform_real_distribution<float>: from and to as floats, 24 random
  // bits scaled into [0, 1) and x * (to - from) + from in double (CPU's
  // dist_acctype), rounded to float once at the end.
  const float f = static_cast<float>(from), t = static_cast<float>(to);
  const float range = t - f;
  const double x = static_cast<double>(random() & ((1u << 24) - 1u)) * (1.0 / 16777216.0);
  volatile double scaled = x * static_cast<double>(range);  // no fused multiply-add
  return static_cast<float>(scaled + static_cast<double>(f));
}

std::vector<std::int64_t> TorchGenerator::randperm(std::int64_t n) {
  // ATen's randperm_cpu: a forward Fisher-Yates with random() % (n - i).
  std::vector<std::int64_t> r(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) r[static_cast<std::size_t>(i)] = i;
  for (std::int64_t i = 0; i + 1 < n; ++i) {
    const std::int64_t z = static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(n - i));
    std::swap(r[static_cast<std::size_t>(i)], r[static_cast<std::size_t>(z + i)]);
  }
  return r;
}

}  // namespace neurocma

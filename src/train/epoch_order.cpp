#include "neurocma/train/epoch_order.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "neurocma/core/error.hpp"

namespace neurocma {

void RngOrder::next(std::vector<Index>& order) {
  shuffle(order.begin(), order.end(), m_rng);
}

std::vector<std::uint64_t> RngOrder::state() const {
  const auto s = m_rng.state();
  return std::vector<std::uint64_t>(s.begin(), s.end());
}

void RngOrder::set_state(const std::vector<std::uint64_t>& s) {
  std::array<std::uint64_t, 6> a{};
  if (s.size() != a.size())
    throw RuntimeError("shuffle state: expected " + std::to_string(a.size()) + " numbers, got " +
                       std::to_string(s.size()));
  std::copy(s.begin(), s.end(), a.begin());
  m_rng.set_state(a);
}

void TorchOrder::next(std::vector<Index>& order) {
  TorchGenerator local(static_cast<std::uint64_t>(m_global.random_int64()));
  const std::vector<std::int64_t> perm = local.randperm(static_cast<std::int64_t>(order.size()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<Index>(perm[i]);
}

}  // namespace neurocma

// The order in which each epoch visits the training samples.
#pragma once
#include <cstdint>
#include <vector>

#include "neurocma/core/peer_rng.hpp"
#include "neurocma/core/rng.hpp"
#include "neurocma/core/types.hpp"

namespace neurocma {

class EpochOrder {
 public:
  virtual ~EpochOrder() = default;
  // Replaces `order` (the previous epoch's, n entries) by the next epoch's.
  virtual void next(std::vector<Index>& order) = 0;
  // The generator state, for checkpoints.
  virtual std::vector<std::uint64_t> state() const = 0;
  virtual void set_state(const std::vector<std::uint64_t>& s) = 0;
};

// neurocma's order: the previous epoch's order shuffled again with an Rng.
class RngOrder : public EpochOrder {
 public:
  explicit RngOrder(Rng& rng) : m_rng(rng) {}
  void next(std::vector<Index>& order) override;
  std::vector<std::uint64_t> state() const override;
  void set_state(const std::vector<std::uint64_t>& s) override;

 private:
  Rng& m_rng;
};

// The study's order: torch.utils.data.DataLoader(shuffle=True) draws a seed
// from the global torch generator each epoch and takes randperm(n) of a
// generator seeded with it.
class TorchOrder : public EpochOrder {
 public:
  explicit TorchOrder(TorchGenerator& global) : m_global(global) {}
  void next(std::vector<Index>& order) override;
  std::vector<std::uint64_t> state() const override { return m_global.engine().state(); }
  void set_state(const std::vector<std::uint64_t>& s) override { m_global.engine().set_state(s); }

 private:
  TorchGenerator& m_global;
};

}  // namespace neurocma

// The random streams of the earlier study's Python stack, emulated bit for bit
// so that neurocma can replay its runs (docs/study.md):
//  * Mt19937: Matsumoto & Nishimura's MT19937 with an explicit, checkpointable
//    state; init_genrand(seed) seeding, as numpy's RandomState(int) and
//    torch.manual_seed both use.
//  * TorchGenerator: PyTorch's CPU generator (torch 1.13, ATen's CPUGeneratorImpl):
//    uniform_() of float tensors, random_() of an int64 scalar, randperm().
// Checked against Debian's python3-torch by tests/scripts/gen_torch_rng_ref.py.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace neurocma {

class Mt19937 {
 public:
  static constexpr int kN = 624;
  explicit Mt19937(std::uint32_t seed = 5489u) { seed_with(seed); }
  void seed_with(std::uint32_t seed);
  std::uint32_t operator()();  // genrand_int32
  // State as 625 numbers (the 624 words and the position), for checkpoints.
  std::vector<std::uint64_t> state() const;
  void set_state(const std::vector<std::uint64_t>& s);  // throws RuntimeError on a bad size

 private:
  std::array<std::uint32_t, kN> m_mt{};
  int m_i = kN;
};

class TorchGenerator {
 public:
  // torch.manual_seed(seed) / torch.Generator().manual_seed(seed): the low 32 bits seed MT19937.
  explicit TorchGenerator(std::uint64_t seed) : m_mt(static_cast<std::uint32_t>(seed)) {}
  std::uint32_t random() { return m_mt(); }
  std::uint64_t random64() {
    const std::uint64_t hi = m_mt();
    return (hi << 32) | m_mt();
  }
  // One element of float_tensor.uniform_(from, to), as a float.
  float uniform_float(double from, double to);
  // torch.empty((), dtype=torch.int64).random_(): what DataLoader's RandomSampler
  // draws as the seed of each epoch's permutation.
  std::int64_t random_int64() {
    return static_cast<std::int64_t>(random64() % (std::uint64_t{1} << 63));
  }
  // torch.randperm(n, generator=this) on the CPU.
  std::vector<std::int64_t> randperm(std::int64_t n);
  Mt19937& engine() { return m_mt; }
  const Mt19937& engine() const { return m_mt; }

 private:
  Mt19937 m_mt;
};

}  // namespace neurocma

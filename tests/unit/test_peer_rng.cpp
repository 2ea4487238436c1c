// The study's Python random streams, emulated: MT19937, PyTorch's CPU
// generator (nn.Linear init, DataLoader permutations), against values that
// Debian's python3-torch produced (tests/scripts/gen_torch_rng_ref.py).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "neurocma/core/error.hpp"
#include "neurocma/core/peer_rng.hpp"
#include "neurocma/model/mlp.hpp"
#include "neurocma/train/trainer.hpp"

using namespace neurocma;

namespace {

nlohmann::json ref() {
  std::ifstream in(std::string(std::getenv("NEUROCMA_SOURCE_DIR")) +
                   "/tests/data/torch_rng_ref.json");
  return nlohmann::json::parse(in);
}

Mlp study_mlp(Index in, Index hidden, Index out) {
  return Mlp({in, {hidden}, out, Activation::kSigmoid, Output::kSoftmax});
}

}  // namespace

TEST(Mt19937, MatchesTheReferenceGeneratorAndRestoresItsState) {
  // std::mt19937 is the reference implementation's output; 10000th value of seed 5489
  // is 4123659995 (C++ standard, [rand.predef]).
  Mt19937 a;
  std::uint32_t v = 0;
  for (int i = 0; i < 10000; ++i) v = a();
  EXPECT_EQ(v, 4123659995u);
  Mt19937 b(42);
  std::mt19937 s(42);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(b(), s());
  const auto st = b.state();
  const std::uint32_t next = b();
  Mt19937 c(1);
  c.set_state(st);
  EXPECT_EQ(c(), next);
  EXPECT_THROW(c.set_state({1, 2, 3}), RuntimeError);
}

TEST(TorchGenerator, UniformMatchesTorch) {
  const nlohmann::json u = ref()["uniform"];
  TorchGenerator g(u["seed"].get<std::uint64_t>());
  for (size_t r = 0; r < u["ranges"].size(); ++r)
    for (const auto& want : u["values"][r])
      EXPECT_EQ(static_cast<double>(g.uniform_float(u["ranges"][r][0], u["ranges"][r][1])),
                want.get<double>());
}

TEST(TorchGenerator, StudyInitAndDataLoaderOrderMatchTorch) {
  for (const auto& run : ref()["runs"]) {
    const std::uint64_t seed = run["seed"];
    SCOPED_TRACE(seed);
    {
      TorchGenerator g(seed);
      const Vector p = study_mlp(4, 10, 3).init_torch(g);
      ASSERT_EQ(static_cast<size_t>(p.size()), run["iris_init"].size());
      for (Index i = 0; i < p.size(); ++i)
        EXPECT_EQ(p(i), run["iris_init"][static_cast<size_t>(i)].get<double>());
      // The DataLoader's permutations of the next epochs, through TorchOrder.
      TorchOrder order(g);
      std::vector<Index> idx(90);
      for (const auto& e : run["iris_epochs"]) {
        order.next(idx);
        EXPECT_EQ(idx, e["perm"].get<std::vector<Index>>());
      }
    }
    {
      TorchGenerator g(seed);
      const Vector p = study_mlp(196, 10, 10).init_torch(g);
      for (Index i = 0; i < 16; ++i)
        EXPECT_EQ(p(i), run["mnist_init_first"][static_cast<size_t>(i)].get<double>());
      EXPECT_DOUBLE_EQ(p.sum(), run["mnist_init_sum"].get<double>());
      EXPECT_DOUBLE_EQ(p.cwiseAbs().sum(), run["mnist_init_abs_sum"].get<double>());
      TorchOrder order(g);
      std::vector<Index> idx(36000);
      for (const auto& e : run["mnist_epochs"]) {
        const std::vector<std::uint64_t> before = order.state();
        order.next(idx);
        EXPECT_EQ(std::vector<Index>(idx.begin(), idx.begin() + 16),
                  e["first"].get<std::vector<Index>>());
        long double ws = 0;
        for (size_t i = 0; i < idx.size(); ++i) ws += static_cast<long double>(i) * idx[i];
        EXPECT_EQ(static_cast<double>(ws), e["weighted_sum"].get<double>());
        // The state taken before an epoch replays it.
        TorchGenerator other(999);
        TorchOrder again(other);
        again.set_state(before);
        std::vector<Index> idx2(36000);
        again.next(idx2);
        EXPECT_EQ(idx2, idx);
      }
    }
  }
}

// The training loop: early stopping, determinism, and learning on toy data.
#include <gtest/gtest.h>

#include "neurocma/core/error.hpp"
#include "neurocma/optim/cmaes.hpp"
#include "neurocma/train/gradient_method.hpp"
#include "neurocma/train/population_method.hpp"
#include "neurocma/train/trainer.hpp"
#include "run_compare.hpp"

using namespace neurocma;

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  EarlyStopping es(3, 0.01);
  EXPECT_FALSE(es.update(1.0));
  EXPECT_TRUE(es.improved());
  EXPECT_FALSE(es.update(0.995));  // better, but not by more than min_delta
  EXPECT_FALSE(es.improved());
  EXPECT_FALSE(es.update(0.98));  // improves by 0.02: counter resets
  EXPECT_TRUE(es.improved());
  EXPECT_EQ(es.bad_epochs(), 0);
  EXPECT_FALSE(es.update(2.0));
  EXPECT_FALSE(es.update(0.975));
  EXPECT_TRUE(es.update(0.9705));  // third epoch without a 0.01 improvement
  EXPECT_DOUBLE_EQ(es.best(), 0.98);
}

TEST(EarlyStopping, NaNNeverImproves) {
  EarlyStopping es(2, 0.0);
  es.update(1.0);
  EXPECT_FALSE(es.update(std::nan("")));
  EXPECT_TRUE(es.update(std::nan("")));
}

namespace {

// Gaussian blobs in 2-D: linearly separable enough for an MLP.
Splits toy_splits() {
  return testing_support::blob_splits(11, 0.5, 300, 90, 90);
}

RunResult train_adam(const Splits& s, std::uint64_t seed) {
  Mlp mlp({2, {8}, 3, Activation::kTanh});
  Rng init(seed, 0, Stream::kInit), shuf(seed, 0, Stream::kShuffle);
  const Vector p0 = mlp.init(init);
  AdamOptions ao;
  ao.lr = 0.02;
  GradientMethod m(mlp, std::make_unique<Adam>(ao));
  TrainSettings ts;
  ts.batch_size = 16;
  ts.max_epochs = 30;
  ts.patience = 3;
  ts.min_delta = 1e-4;
  return train(mlp, s, m, ts, p0, shuf);
}

}  // namespace

TEST(Trainer, AdamLearnsToyProblemAndCountsPasses) {
  const Splits s = toy_splits();
  const RunResult r = train_adam(s, 1);
  EXPECT_GT(r.test_acc, 0.9);
  EXPECT_EQ(r.epochs, static_cast<int>(r.history.size()));
  EXPECT_EQ(r.model_evals, 300LL * r.epochs);
  EXPECT_EQ(r.grad_evals, r.model_evals);
  EXPECT_TRUE(r.stop.text() == "early_stopping" || r.stop.text() == "max_epochs");
  // Final train/val values are those of the best epoch (test_on best).
  EXPECT_DOUBLE_EQ(r.val_loss, r.history[static_cast<size_t>(r.best_epoch - 1)].val_loss);
  for (size_t i = 1; i < r.history.size(); ++i) EXPECT_GE(r.history[i].time, r.history[i - 1].time);
}

TEST(Trainer, SameSeedIsBitIdentical) {
  const Splits s = toy_splits();
  const RunResult a = train_adam(s, 5), b = train_adam(s, 5);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].train_loss, b.history[i].train_loss);
    EXPECT_EQ(a.history[i].val_loss, b.history[i].val_loss);
  }
  EXPECT_EQ(a.test_loss, b.test_loss);
  EXPECT_EQ(a.final_params, b.final_params);
  const RunResult c = train_adam(s, 6);
  EXPECT_NE(a.history[0].train_loss, c.history[0].train_loss);
}

TEST(Trainer, EarlyStoppingEndsRunOnPlateau) {
  const Splits s = toy_splits();
  Mlp mlp({2, {8}, 3, Activation::kTanh});
  Rng init(1, 0, Stream::kInit), shuf(1, 0, Stream::kShuffle);
  SgdOptions so;
  so.lr = 0.0;  // no learning: validation loss never improves after epoch 1
  GradientMethod m(mlp, std::make_unique<Sgd>(so));
  TrainSettings ts;
  ts.max_epochs = 50;
  ts.patience = 3;
  const RunResult r = train(mlp, s, m, ts, mlp.init(init), shuf);
  EXPECT_EQ(r.epochs, 4);
  EXPECT_EQ(r.stop.text(), "early_stopping");
  EXPECT_EQ(r.best_epoch, 1);
}

TEST(Trainer, DivergenceIsARunOutcome) {
  const Splits s = toy_splits();
  Mlp mlp({2, {8}, 3, Activation::kRelu});
  Rng init(1, 0, Stream::kInit), shuf(1, 0, Stream::kShuffle);
  SgdOptions so;
  so.lr = 1e300;
  GradientMethod m(mlp, std::make_unique<Sgd>(so));
  TrainSettings ts;
  ts.max_epochs = 5;
  const RunResult r = train(mlp, s, m, ts, mlp.init(init), shuf);
  EXPECT_EQ(r.stop.text(), "diverged");
}

namespace {

StrategyFactory cma_factory(const CmaOptions& cma) {
  return [cma](const Eigen::Ref<const Vector>& mean0, Rng rng) {
    return std::make_unique<CmaEs>(mean0, cma, rng);
  };
}

}  // namespace

TEST(Trainer, PopulationBlocksMustCoverParameters) {
  Mlp mlp({2, {8}, 3, Activation::kRelu});
  Rng rng(1);
  const Vector p0 = mlp.init(rng);
  SerialEvaluator ev(mlp);
  PopulationMethodOptions o;
  const StrategyFactory make = cma_factory(CmaOptions{});
  o.blocks = {ParamBlock{0, 10}};
  EXPECT_THROW(PopulationMethod(mlp, p0, o, make, Rng(2), ev), ConfigError);
  o.blocks = {ParamBlock{0, 10}, ParamBlock{12, mlp.num_params() - 12}};
  EXPECT_THROW(PopulationMethod(mlp, p0, o, make, Rng(2), ev), ConfigError);
}

namespace {

RunResult train_cma(const Splits& s, CmaVariant variant, bool layerwise, std::uint64_t seed) {
  Mlp mlp({2, {8}, 3, Activation::kTanh});
  Rng init(seed, 0, Stream::kInit), shuf(seed, 0, Stream::kShuffle);
  const Vector p0 = mlp.init(init);
  SerialEvaluator ev(mlp);
  CmaOptions cma;
  cma.variant = variant;
  cma.sigma0 = 0.1;
  PopulationMethodOptions o;
  o.blocks = layerwise ? mlp.layer_blocks() : std::vector<ParamBlock>{{0, mlp.num_params()}};
  PopulationMethod m(mlp, p0, o, cma_factory(cma), Rng(seed, 0, Stream::kOptimizer), ev);
  TrainSettings ts;
  ts.batch_size = 32;
  ts.max_epochs = 40;
  ts.patience = 5;
  return train(mlp, s, m, ts, p0, shuf);
}

}  // namespace

TEST(Trainer, WholeModelAndLayerwiseCmaLearnToyProblem) {
  const Splits s = toy_splits();
  for (CmaVariant v : {CmaVariant::kFull, CmaVariant::kSep, CmaVariant::kLm}) {
    for (bool layerwise : {false, true}) {
      const RunResult r = train_cma(s, v, layerwise, 3);
      EXPECT_GT(r.test_acc, 0.85) << to_string(v) << (layerwise ? " layerwise" : " whole");
      EXPECT_EQ(r.grad_evals, 0);
      EXPECT_GT(r.model_evals, 0);
      EXPECT_TRUE(std::isfinite(r.history.back().sigma));
    }
  }
}

TEST(Trainer, CmaRunIsBitIdenticalForASeed) {
  const Splits s = toy_splits();
  const RunResult a = train_cma(s, CmaVariant::kSep, true, 9);
  const RunResult b = train_cma(s, CmaVariant::kSep, true, 9);
  EXPECT_EQ(a.final_params, b.final_params);
  EXPECT_EQ(a.test_loss, b.test_loss);
}

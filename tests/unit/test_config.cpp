// Config parsing: shipped configs, the study format mapping, round trips and
// one-line error messages that name the file and the key.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "neurocma/app/config.hpp"
#include "neurocma/core/error.hpp"

namespace fs = std::filesystem;
using neurocma::ConfigError;
using neurocma::ExperimentConfig;
using nlohmann::json;

namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/neurocma_test_config_XXXXXX";
    const char* p = mkdtemp(tmpl);
    if (!p) throw std::runtime_error("mkdtemp failed");
    m_path = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = m_path + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

std::vector<std::string> json_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  return out;
}

// The message of the ConfigError thrown by parsing `text` from file `name`.
std::string error_of(const std::string& text, const std::string& name = "x.json") {
  try {
    neurocma::parse_config(json::parse(text), "configs/" + name);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

const char* kMinimal = R"({"optimizers": [{"type": "adam"}]})";

}  // namespace

// The source tree: $NEUROCMA_SOURCE_DIR, else two levels above this file.
fs::path source_root() {
  if (const char* src = std::getenv("NEUROCMA_SOURCE_DIR")) return src;
  return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

TEST(Config, EveryShippedConfigParsesAndRoundTrips) {
  const fs::path root = source_root();
  if (!fs::is_directory(root / "configs")) GTEST_SKIP() << "no configs/ under " << root;
  std::vector<std::string> native = json_files(root / "configs");
  std::vector<std::string> study = json_files(root / "configs" / "study");
  EXPECT_GE(native.size(), 6u);
  EXPECT_EQ(study.size(), 8u);
  for (const std::string& f : native) {
    SCOPED_TRACE(f);
    ExperimentConfig cfg = neurocma::load_config(f);
    EXPECT_EQ(cfg.format, "native");
    EXPECT_EQ(cfg.source, f);
    const json j = neurocma::to_json(cfg);
    EXPECT_EQ(cfg.resolved, j);
    EXPECT_EQ(neurocma::to_json(neurocma::parse_config(j, "again")), j);
  }
  for (const std::string& f : study) {
    SCOPED_TRACE(f);
    ExperimentConfig cfg = neurocma::load_config(f);
    EXPECT_EQ(cfg.format, "study");
    ASSERT_EQ(cfg.optimizers.size(), 1u);
    // File names are <dataset>.<optimizer>.json.
    EXPECT_EQ(fs::path(f).stem().string(), cfg.dataset.name + "." + cfg.optimizers[0].name);
    EXPECT_EQ(cfg.train.max_epochs, 100);
    EXPECT_EQ(cfg.seed, 42u);
    EXPECT_EQ(cfg.model.hidden, std::vector<neurocma::Index>{10});
    const json j = neurocma::to_json(cfg);
    EXPECT_EQ(neurocma::to_json(neurocma::parse_config(j, "again")), j);
  }
}

TEST(Config, DefaultsFilledIn) {
  const ExperimentConfig cfg = neurocma::parse_config(json::parse(kMinimal), "m.json");
  EXPECT_EQ(cfg.name, "experiment");
  EXPECT_EQ(cfg.dataset.name, "iris");
  EXPECT_EQ(cfg.dataset.split, neurocma::SplitKind::kRatio);  // iris has no official split
  EXPECT_EQ(cfg.model.hidden, std::vector<neurocma::Index>{32});
  EXPECT_EQ(cfg.train.batch_size, 64);
  EXPECT_EQ(cfg.runs, 5);
  EXPECT_EQ(cfg.checkpoint.every_epochs, 0);
  EXPECT_DOUBLE_EQ(cfg.checkpoint.every_minutes, 5.0);
  ASSERT_EQ(cfg.optimizers.size(), 1u);
  const auto& o = cfg.optimizers[0];
  EXPECT_EQ(o.name, "adam");
  EXPECT_EQ(o.type, "adam");
  EXPECT_DOUBLE_EQ(std::get<neurocma::AdamOptions>(o.options).lr, 0.01);
  EXPECT_EQ(o.params, json::parse(R"({"lr":0.01,"beta1":0.9,"beta2":0.999,"eps":1e-8,
                                      "weight_decay":0.0})"));
  const ExperimentConfig m = neurocma::parse_config(
      json::parse(R"({"dataset": {"name": "mnist"}, "optimizers": [{"type": "sgd"}]})"), "m");
  EXPECT_EQ(m.dataset.split, neurocma::SplitKind::kOfficial);
  EXPECT_EQ(m.optimizers[0].params["nesterov"], false);
}

TEST(Config, CmaesFieldsAndExplicitBlocks) {
  // iris 4-10-3: 4*10+10 + 10*3+3 = 83 parameters.
  const ExperimentConfig cfg = neurocma::parse_config(json::parse(R"({
    "model": {"hidden": [10], "activation": "tanh"},
    "optimizers": [{"name": "c", "type": "cmaes", "variant": "lm", "popsize": 12, "sigma0": 0.5,
                    "blocks": [50, 33], "batch_size": 32, "select": "best", "active": false,
                    "mirrored": true, "max_evals": 1000, "lm_memory": 7}]})"),
                                                      "c.json");
  const auto& o = cfg.optimizers[0];
  const auto& c = std::get<neurocma::CmaesOptions>(o.options);
  EXPECT_EQ(c.cma.variant, neurocma::CmaVariant::kLm);
  EXPECT_EQ(c.cma.popsize, 12);
  EXPECT_DOUBLE_EQ(c.cma.sigma0, 0.5);
  EXPECT_EQ(c.training.layout, neurocma::BlockLayout::kExplicit);
  EXPECT_EQ(c.training.block_sizes, (std::vector<neurocma::Index>{50, 33}));
  EXPECT_EQ(c.training.batch_size, 32);
  EXPECT_EQ(c.training.select, neurocma::Selection::kBest);
  EXPECT_FALSE(c.cma.active);
  EXPECT_TRUE(c.cma.mirrored);
  EXPECT_EQ(c.cma.max_evals, 1000);
  EXPECT_EQ(c.cma.lm_memory, 7);
  EXPECT_EQ(o.entry().type, "cmaes");
  EXPECT_TRUE(o.entry().population);
  EXPECT_EQ(o.params["blocks"], json::parse("[50, 33]"));
  const json j = neurocma::to_json(cfg);
  EXPECT_EQ(neurocma::to_json(neurocma::parse_config(j, "again")), j);
}

TEST(Config, StudyFormatMapping) {
  const std::string base = R"({"dataset_name": "iris", "train_val_test_ratios": [0.7, 0.15, 0.15],
    "batch_size": 16, "epochs": 100, "use_wandb": true, "log_interval": 1, "random_seed": 42,
    "mlp_layers": {"input_dim": 4, "hidden_dim": 10, "output_dim": 3},
    "early_stopping": {"patience": 3, "delta": 0.001}, )";
  ExperimentConfig a = neurocma::parse_config(
      json::parse(base + R"("optimizer_config": {"name": "adam", "learning_rate": 0.1061}})"),
      "s.json");
  EXPECT_EQ(a.format, "study");
  EXPECT_EQ(a.dataset.name, "iris");
  EXPECT_TRUE(a.dataset.standardize);
  EXPECT_EQ(a.dataset.split, neurocma::SplitKind::kSklearn);
  EXPECT_DOUBLE_EQ(a.dataset.train_ratio, 0.7);
  EXPECT_DOUBLE_EQ(a.dataset.val_ratio, 0.15);
  EXPECT_DOUBLE_EQ(a.dataset.test_ratio, 0.15);
  EXPECT_EQ(a.model.hidden, std::vector<neurocma::Index>{10});
  EXPECT_EQ(a.model.activation, neurocma::Activation::kSigmoid);
  EXPECT_EQ(a.train.batch_size, 16);
  EXPECT_EQ(a.train.max_epochs, 100);
  EXPECT_EQ(a.train.patience, 3);
  EXPECT_DOUBLE_EQ(a.train.min_delta, 0.001);
  EXPECT_EQ(a.seed, 42u);
  EXPECT_EQ(a.runs, 1);
  ASSERT_EQ(a.optimizers.size(), 1u);
  EXPECT_EQ(a.optimizers[0].name, "adam");
  EXPECT_EQ(a.optimizers[0].type, "adam");
  EXPECT_DOUBLE_EQ(a.optimizers[0].params["lr"].get<double>(), 0.1061);

  ExperimentConfig c = neurocma::parse_config(
      json::parse(base +
                  R"("optimizer_config": {"name": "layerwise_cmaes", "population_size": 39,
                                          "sigma0": 2.025}})"),
      "s.json");
  const auto& o = c.optimizers[0];
  EXPECT_EQ(o.name, "layerwise_cmaes");
  EXPECT_EQ(o.type, "cmaes");
  EXPECT_EQ(o.params["variant"], "full");
  EXPECT_EQ(o.params["blocks"], "layer");
  EXPECT_EQ(o.params["select"], "best");
  EXPECT_EQ(o.params["popsize"], 39);
  EXPECT_DOUBLE_EQ(o.params["sigma0"].get<double>(), 2.025);

  ExperimentConfig w = neurocma::parse_config(
      json::parse(base + R"("optimizer_config": {"name": "cmaes", "population_size": 34,
                                                  "sigma0": 16.698}})"),
      "s.json");
  EXPECT_EQ(w.optimizers[0].params["blocks"], "whole");
  EXPECT_EQ(w.optimizers[0].params["variant"], "full");

  // MNIST: 2x2 pooling, ratio split of the training file, no standardization.
  const ExperimentConfig m = neurocma::parse_config(json::parse(R"({"dataset_name": "mnist",
    "train_val_test_ratios": [0.6, 0.2, 0.2], "batch_size": 4000, "epochs": 100,
    "random_seed": 7, "mlp_layers": {"input_dim": 196, "hidden_dim": 10, "output_dim": 10},
    "early_stopping": {"patience": 3, "delta": 0.0001},
    "optimizer_config": {"name": "sgd", "learning_rate": 21.21}})"),
                                                    "m.json");
  EXPECT_EQ(m.dataset.name, "mnist");
  EXPECT_EQ(m.dataset.pool, 2);
  EXPECT_EQ(m.dataset.split, neurocma::SplitKind::kSklearn);
  EXPECT_FALSE(m.dataset.standardize);
  EXPECT_EQ(m.optimizers[0].type, "sgd");
  EXPECT_DOUBLE_EQ(m.optimizers[0].params["lr"].get<double>(), 21.21);
  EXPECT_DOUBLE_EQ(m.optimizers[0].params["momentum"].get<double>(), 0.0);
}

TEST(Config, StudyFormatErrors) {
  const std::string head = R"({"dataset_name": "iris", "train_val_test_ratios": [0.6, 0.2, 0.2],
    "batch_size": 16, "epochs": 100, "random_seed": 42,
    "early_stopping": {"patience": 3, "delta": 0.001},
    "optimizer_config": {"name": "sgd", "learning_rate": 0.5}, )";
  std::string e =
      error_of(head + R"("mlp_layers": {"input_dim": 5, "hidden_dim": 10, "output_dim": 3}})");
  EXPECT_NE(e.find("configs/x.json: mlp_layers.input_dim: expected 4"), std::string::npos) << e;
  e = error_of(head + R"("mlp_layers": {"input_dim": 4, "hidden_dim": 10, "output_dim": 10}})");
  EXPECT_NE(e.find("mlp_layers.output_dim: expected 3"), std::string::npos) << e;
  e = error_of(head + R"("mlp_layers": {"input_dim": 4, "hidden_dim": 10, "output_dim": 3},
                         "dropout": 0.5})");
  EXPECT_NE(e.find("configs/x.json: dropout: unknown key"), std::string::npos) << e;
  const std::string all = R"({"dataset_name": "iris", "train_val_test_ratios": [0.6, 0.2, 0.2],
    "batch_size": 16, "epochs": 100, "random_seed": 42,
    "early_stopping": {"patience": 3, "delta": 0.001},
    "mlp_layers": {"input_dim": 4, "hidden_dim": 10, "output_dim": 3}, )";
  e = error_of(all + R"("optimizer_config": {"name": "rmsprop", "learning_rate": 0.1}})");
  EXPECT_NE(e.find("optimizer_config.name: expected one of \"sgd\", \"adam\", \"cmaes\" or "
                   "\"layerwise_cmaes\", got \"rmsprop\""),
            std::string::npos)
      << e;
  e = error_of(all + R"("optimizer_config": {"name": "sgd", "population_size": 10}})");
  EXPECT_NE(e.find("optimizer_config.learning_rate: missing"), std::string::npos) << e;
  e = error_of(all + R"("optimizer_config": {"name": "cmaes", "population_size": 10,
                                              "sigma0": 1, "learning_rate": 0.1}})");
  EXPECT_NE(e.find("optimizer_config.learning_rate: unknown key"), std::string::npos) << e;
  e = error_of(R"({"dataset_name": "iris"})");
  EXPECT_NE(e.find("configs/x.json: train_val_test_ratios: missing"), std::string::npos) << e;
}

TEST(Config, ErrorMessagesNameFileKeyAndExpectation) {
  struct Case {
    std::string json, expect;
  };
  const std::vector<Case> cases = {
      {R"({"optimizers": [{"type": "sgd"}, {"type": "adam", "lr": -0.1}]})",
       "configs/x.json: optimizers[1].lr: expected a number > 0, got -0.1"},
      {R"({"optimizers": [{"type": "adam"}], "colour": 1})", "configs/x.json: colour: unknown key"},
      {R"({"optimizers": [{"type": "adam"}], "train": {"batch_size": "big"}})",
       "configs/x.json: train.batch_size: expected an integer >= 1, got \"big\""},
      {R"({"optimizers": [{"type": "adam"}], "train": {"batch_size": 1.5}})",
       "train.batch_size: expected an integer >= 1, got 1.5"},
      {R"({"optimizers": [{"type": "rmsprop"}]})",
       "optimizers[0].type: expected one of \"sgd\", \"adam\", \"cmaes\" or \"random_search\", "
       "got \"rmsprop\""},
      {R"({"optimizers": [{"name": "a"}]})", "optimizers[0].type: missing"},
      {R"({"optimizers": [{"type": "adam"}], "runs": 0})",
       "configs/x.json: runs: expected an integer in [1, 1000000], got 0"},
      {R"({"optimizers": [{"type": "cmaes", "blocks": "rows"}]})",
       "optimizers[0].blocks: expected"},
      {R"({"optimizers": [{"type": "cmaes", "blocks": [10, 0]}]})",
       "optimizers[0].blocks[1]: expected a positive integer, got 0"},
      {R"({"model": {"hidden": [10]}, "optimizers": [{"type": "cmaes", "blocks": [50, 30]}]})",
       "optimizers[0].blocks: block sizes sum to 80, expected the parameter count 83 of model "
       "4-10-3"},
      {R"({"optimizers": [{"type": "adam", "momentum": 0.9}]})",
       "optimizers[0].momentum: unknown key for an optimizer of type \"adam\""},
      {R"({"optimizers": [{"type": "sgd", "nesterov": true}]})",
       "optimizers[0].nesterov: requires momentum > 0 and dampening = 0"},
      {R"({"optimizers": [{"type": "sgd", "nesterov": true, "momentum": 0.9, "dampening": 0.1}]})",
       "optimizers[0].nesterov: requires momentum > 0 and dampening = 0"},
      {R"({"optimizers": [{"type": "sgd"}, {"type": "sgd", "lr": 0.5}]})",
       "optimizers[1].name: duplicate optimizer name \"sgd\""},
      {R"({"optimizers": []})", "configs/x.json: optimizers: expected a non-empty array"},
      {R"({"runs": 3})", "configs/x.json: optimizers: missing"},
      {R"({"optimizers": [{"type": "adam"}], "model": {"hidden": [10, -2]}})",
       "model.hidden[1]: expected a positive integer, got -2"},
      {R"({"optimizers": [{"type": "adam"}], "model": {"activation": "gelu"}})",
       "model.activation: expected one of"},
      {R"({"optimizers": [{"type": "adam"}], "dataset": {"name": "cifar"}})",
       "dataset.name: expected one of \"iris\", \"mnist\" or \"fashion-mnist\", got \"cifar\""},
      {R"({"optimizers": [{"type": "adam"}], "dataset": {"split": "official"}})",
       "dataset.split: iris has no official test set"},
      {R"({"optimizers": [{"type": "adam"}], "dataset": {"train_ratio": 0.5}})", "to sum to 1"},
      {R"({"optimizers": [{"type": "adam"}], "dataset": {"name": "mnist", "pool": 3}})",
       "dataset.pool: expected a divisor of 28"},
      {R"({"optimizers": [{"type": "adam"}], "dataset": {"name": "mnist", "limit": 100}})",
       "dataset.val_size: expected fewer than limit (100)"},
      {R"({"optimizers": [{"type": "adam", "beta2": 1.0}]})",
       "optimizers[0].beta2: expected a number in [0, 1), got 1.0"},
      {R"({"optimizers": [{"type": "cmaes", "popsize": 1}]})", "optimizers[0].popsize: expected"},
      {R"({"optimizers": [{"type": "cmaes", "select": "worst"}]})", "optimizers[0].select"},
      {R"({"optimizers": [{"type": "adam", "name": "a/b"}]})", "optimizers[0].name: expected"},
      {R"({"optimizers": [{"type": "adam"}], "seed": -1})",
       "seed: expected an integer in [0, 2^64)"},
      {R"({"optimizers": [{"type": "adam"}], "search": [1]})", "search: expected an object"},
      {R"({"optimizers": [{"type": "adam"}], "train": {"test_on": "worst"}})", "train.test_on"},
      {R"({"optimizers": [{"type": "adam"}], "train": {"min_delta": -1}})", "train.min_delta"},
      {R"({"optimizers": {"type": "adam"}})", "optimizers: expected a non-empty array"},
      {R"([1, 2])", "configs/x.json: top level: expected an object"},
      {R"({"optimizers": [{"type": "adam"}], "checkpoint": {"every_epochs": -1}})",
       "configs/x.json: checkpoint.every_epochs: expected an integer in [0, 1000000], got -1"},
      {R"({"optimizers": [{"type": "adam"}], "checkpoint": {"every_minutes": "often"}})",
       "checkpoint.every_minutes: expected a number >= 0"},
      {R"({"optimizers": [{"type": "adam"}], "checkpoint": {"every_hours": 1}})",
       "checkpoint.every_hours: unknown key"},
  };
  for (const Case& c : cases) {
    const std::string e = error_of(c.json);
    EXPECT_NE(e.find(c.expect), std::string::npos) << "config: " << c.json << "\nmessage: " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;  // one line
  }
}

TEST(Config, SeedKeepsFull64Bits) {
  const ExperimentConfig cfg = neurocma::parse_config(
      json::parse(R"({"optimizers": [{"type": "adam"}], "seed": 18446744073709551615})"), "s");
  EXPECT_EQ(cfg.seed, 18446744073709551615ULL);
  EXPECT_EQ(neurocma::parse_config(neurocma::to_json(cfg), "again").seed, cfg.seed);
}

TEST(Config, SearchIsKeptAsJson) {
  const ExperimentConfig cfg = neurocma::parse_config(json::parse(R"({
    "optimizers": [{"type": "adam"}],
    "search": {"adam": {"lr": {"low": 1e-4, "high": 0.1, "log": true}}}})"),
                                                      "s");
  EXPECT_EQ(cfg.search["adam"]["lr"]["high"], 0.1);
  EXPECT_EQ(cfg.resolved["search"], cfg.search);
}

TEST(Config, FileErrors) {
  TempDir dir;
  const std::string missing = dir.path() + "/nope.json";
  try {
    neurocma::load_config(missing);
    FAIL() << "no error for a missing file";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const std::string bad = dir.write("bad.json", "{\n  \"runs\": 3,\n  \"seed\": \n}\n");
  try {
    neurocma::load_config(bad);
    FAIL() << "no error for malformed JSON";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(bad + ": malformed JSON"), std::string::npos) << m;
    EXPECT_NE(m.find("line 4"), std::string::npos) << m;  // nlohmann's position
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  const std::string neg = dir.write("neg.json", R"({"optimizers": [{"type": "sgd", "lr": -0.1}]})");
  try {
    neurocma::load_config(neg);
    FAIL() << "no error for a negative learning rate";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), neg + ": optimizers[0].lr: expected a number > 0, got -0.1");
  }
  const std::string good = dir.write("good.json", kMinimal);
  EXPECT_EQ(neurocma::load_config(good).source, good);
}

TEST(Config, ActiveDefaultsPerVariantAndStudySwitches) {
  const ExperimentConfig c = neurocma::parse_config(json::parse(R"({"optimizers": [
      {"name": "f", "type": "cmaes", "variant": "full"},
      {"name": "s", "type": "cmaes", "variant": "sep"},
      {"name": "l", "type": "cmaes", "variant": "lm"},
      {"name": "t", "type": "cmaes", "variant": "full", "active": false, "blocks": "tensor",
       "block_context": "epoch_start", "fitness": "mean_over_batch", "rng": "shared",
       "full_form": "eigen"}],
      "model": {"output": "softmax"}, "train": {"test_on": "best_on_early_stop"},
      "dataset": {"standardize": true, "standardize_on": "all"}})"),
                                                    "c.json");
  EXPECT_EQ(c.optimizers[0].params["active"], true);  // full: active CMA as in pycma, Table 1
  EXPECT_EQ(c.optimizers[1].params["active"], false);
  EXPECT_EQ(c.optimizers[2].params["active"], false);
  const neurocma::OptimizerConfig& t = c.optimizers[3];
  const auto& tc = std::get<neurocma::CmaesOptions>(t.options);
  EXPECT_FALSE(tc.cma.active);
  EXPECT_EQ(tc.training.layout, neurocma::BlockLayout::kTensor);
  EXPECT_EQ(tc.training.context, neurocma::BlockContext::kEpochStart);
  EXPECT_EQ(tc.training.fitness, neurocma::FitnessScale::kMeanOverBatch);
  EXPECT_EQ(tc.training.rng, neurocma::StrategyRng::kShared);
  EXPECT_EQ(tc.cma.full_form, neurocma::CmaFullForm::kEigen);
  EXPECT_EQ(t.params["blocks"], "tensor");
  EXPECT_EQ(t.params["block_context"], "epoch_start");
  EXPECT_EQ(c.model.output, neurocma::Output::kSoftmax);
  EXPECT_EQ(c.train.test_on, neurocma::TestOn::kBestOnEarlyStop);
  EXPECT_EQ(c.dataset.standardize_on, neurocma::StandardizeOn::kAll);
  // Round trip through the resolved config.
  EXPECT_EQ(neurocma::parse_config(c.resolved, "r").resolved, c.resolved);

  EXPECT_NE(error_of(R"({"optimizers": [{"type": "cmaes", "variant": "lm", "active": true}]})")
                .find("configs/x.json: optimizers[0].active: LM-MA-ES has no active"),
            std::string::npos);
  EXPECT_NE(
      error_of(R"({"optimizers": [{"type": "cmaes", "block_context": "epoch"}]})")
          .find("optimizers[0].block_context: expected one of \"current\" or \"epoch_start\""),
      std::string::npos);
  EXPECT_NE(error_of(R"({"model": {"output": "probs"}, "optimizers": [{"type": "adam"}]})")
                .find("model.output: expected one of \"logits\" or \"softmax\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"dataset": {"stratify": false}, "optimizers": [{"type": "adam"}]})")
                .find("dataset.stratify: iris is always split stratified"),
            std::string::npos);
}

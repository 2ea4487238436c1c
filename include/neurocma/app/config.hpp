// Experiment configuration: the native JSON schema and the study's format,
// both parsed into one ExperimentConfig. See docs/config.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/app/registry.hpp"
#include "neurocma/core/types.hpp"
#include "neurocma/data/dataset_config.hpp"
#include "neurocma/model/loss.hpp"
#include "neurocma/model/mlp.hpp"
#include "neurocma/train/trainer.hpp"

namespace neurocma {

// Where run i's initial weights and mini-batch order come from.
enum class RunRng {
  kNeurocma,  // streams derived from the seed and i
  kTorch,     // PyTorch's generator after torch.manual_seed(i), as the study drew them
};

struct ModelConfig {
  std::vector<Index> hidden{32};
  Activation activation = Activation::kRelu;
  Output output = Output::kLogits;  // softmax: the study's model (see model/loss.hpp)
};

struct TrainConfig {
  Index batch_size = 64;
  int max_epochs = 100;
  int patience = 3;
  double min_delta = 0.0;
  TestOn test_on = TestOn::kBest;
  RunRng rng = RunRng::kNeurocma;
};

// When `neurocma run` writes a job's checkpoint (docs/checkpoint.md). A
// checkpoint is also written whenever a signal (SIGTERM, SIGUSR1, SIGINT)
// interrupts the run. 0 turns a trigger off.
struct CheckpointConfig {
  int every_epochs = 0;        // after every K-th epoch
  double every_minutes = 5.0;  // at the first mini-batch boundary T minutes after the last save
};

// One named optimizer: its label, its registry type and its typed options.
struct OptimizerConfig {
  std::string name;                                  // unique label, e.g. "adam" or "cmaes_sep"
  std::string type;                                  // the registry type (io/registry.hpp)
  OptimizerOptions options;                          // the type's typed options
  nlohmann::json params = nlohmann::json::object();  // resolved hyperparameters (refresh())
  const OptimizerEntry& entry() const { return optimizer_entry(options); }
  // Recomputes `params` from `options`, e.g. after tuning.
  void refresh() { params = entry().to_json(options); }
};

struct ExperimentConfig {
  std::string source;             // file the config came from
  std::string format = "native";  // native | study
  DatasetConfig dataset;
  ModelConfig model;
  TrainConfig train;
  CheckpointConfig checkpoint;
  std::vector<OptimizerConfig> optimizers;
  int runs = 5;
  std::uint64_t seed = 1;
  std::string out_dir = "results";
  std::string name = "experiment";                   // used for the result file name
  nlohmann::json search = nlohmann::json::object();  // tune search spaces (optional)
  nlohmann::json resolved;  // the full config after defaults, as written to results
};

// Parses a config file (native or study format, detected by its keys).
// Throws ConfigError("FILE: key 'x': expected ...") on any problem.
ExperimentConfig load_config(const std::string& path);
ExperimentConfig parse_config(const nlohmann::json& j, const std::string& source);

// Maps the earlier study's quirks onto the correct semantics (--corrected):
// cross-entropy on the logits, the distribution mean installed after each
// generation, every block evaluated against the current parameters, the
// plain mean loss as fitness, a CMA-ES stream per run, test metrics on the
// best-validation weights, standardization fitted on the training split.
// Everything else (data, model size, hyperparameters) stays. A study-format
// config's name gets ".corrected" so that its results file is told apart.
void apply_corrected_semantics(ExperimentConfig& cfg);

// Resolved config as native JSON (round-trips through parse_config).
nlohmann::json to_json(const ExperimentConfig& cfg);

}  // namespace neurocma

// Experiment configuration: the native JSON schema and the study's format,
// both parsed into one ExperimentConfig. See docs/config.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/core/types.hpp"

namespace neurocma {

struct DatasetConfig {
  std::string name = "iris";  // iris | mnist | fashion-mnist
  std::string data_dir;       // optional override (also --data-dir)
  int pool = 2;               // image downscaling factor (1 = none)
  bool standardize = false;   // zero mean, unit variance per feature
  // Where the standardization is fitted: "train" (the training split only)
  // or "all" (every sample before the split, as the earlier study did).
  std::string standardize_on = "train";
  // "official": MNIST's 10k test set is the test set and val_size samples of
  // the training set are held out. "ratio": split the training file by ratios
  // (the study's way; Iris always uses stratified ratios).
  std::string split = "official";  // the default for iris is "ratio"
  double train_ratio = 0.6, val_ratio = 0.2, test_ratio = 0.2;
  // "ratio" split of an image set: stratified by class (the study's
  // sklearn train_test_split) or a plain random split. Iris is always stratified.
  bool stratify = false;
  Index val_size = 10000;
  Index limit = 0;  // use only the first `limit` training samples (0 = all); for smoke tests
};

struct ModelConfig {
  std::vector<Index> hidden{32};
  std::string activation = "relu";
  std::string output = "logits";  // logits | softmax (the study's model; see model/loss.hpp)
};

struct TrainConfig {
  Index batch_size = 64;
  int max_epochs = 100;
  int patience = 3;
  double min_delta = 0.0;
  // Which weights the final metrics use: best (best validation loss), last,
  // or best_on_early_stop (the best only when early stopping ended the run,
  // else the last: what the study's code did).
  std::string test_on = "best";
  // Where run i's initial weights and mini-batch order come from: "neurocma"
  // (streams derived from the seed and i) or "torch" (PyTorch's generator
  // after torch.manual_seed(i), drawn exactly as the study drew them).
  std::string rng = "neurocma";
};

// When `neurocma run` writes a job's checkpoint (docs/checkpoint.md). A
// checkpoint is also written whenever a signal (SIGTERM, SIGUSR1, SIGINT)
// interrupts the run. 0 turns a trigger off.
struct CheckpointConfig {
  int every_epochs = 0;        // after every K-th epoch
  double every_minutes = 5.0;  // at the first mini-batch boundary T minutes after the last save
};

// One named optimizer. `type` selects the algorithm; the remaining fields
// apply to that type and keep their defaults otherwise.
struct OptimizerConfig {
  std::string name;                                  // unique label, e.g. "adam" or "cmaes_sep"
  std::string type;                                  // sgd | adam | cmaes
  nlohmann::json params = nlohmann::json::object();  // hyperparameters as given (resolved)
  // sgd / adam
  double lr = 0.01;
  double momentum = 0.0, dampening = 0.0, weight_decay = 0.0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  // cmaes
  std::string variant = "sep";  // full | sep | lm
  Index popsize = 0;            // 0 = default 4 + floor(3 ln n)
  double sigma0 = 0.05;
  std::string blocks = "whole";  // whole | layer | tensor | explicit (see block_sizes)
  std::vector<Index> block_sizes;
  Index batch_size = 0;         // per generation; 0 = the training batch size
  std::string select = "mean";  // mean | best
  bool active = false, mirrored = false;  // active: defaults to true for variant full
  long long max_evals = 0;
  Index lm_memory = 0;
  std::string full_form = "auto";  // auto | eigen | matrix (variant full)
  // What the other blocks hold while one block's candidates are evaluated:
  // "current" (their current values) or "epoch_start" (the study's quirk:
  // the first block sees the current values, every later block the values
  // from the start of the epoch).
  std::string block_context = "current";
  // "mean" (mean loss over the batch) or "mean_over_batch" (the study's: that
  // mean divided once more by the batch size).
  std::string fitness = "mean";
  // "run": each run has its own CMA-ES random stream; "shared": every run
  // uses the same stream, seeded by the config seed (the study's pycma seed).
  std::string rng = "run";
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

// The resolved hyperparameters of one optimizer's type as a JSON object (what
// OptimizerConfig::params holds); call again after changing fields, e.g. when tuning.
nlohmann::json hyperparameters(const OptimizerConfig& opt);

}  // namespace neurocma

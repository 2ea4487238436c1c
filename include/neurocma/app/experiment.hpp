// One experiment built once from its config: the data splits, the model and
// the training settings, handed down to every job. A job is one (optimizer,
// run): its initial weights, its training method from the registry, and the
// training loop with the caller's callbacks.
// Seeds: run i of every optimizer uses the same split and initial weights,
// derived from (base seed, i); the optimizer's own stream is derived too.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "neurocma/app/config.hpp"
#include "neurocma/io/results.hpp"
#include "neurocma/parallel/scheduler.hpp"
#include "neurocma/train/trainer.hpp"

namespace neurocma {

// Seed of run `run_index` derived from the experiment's base seed.
std::uint64_t run_seed(std::uint64_t base_seed, int run_index);

// The MLP of the config for a data set with `features` inputs and `classes` outputs.
MlpSpec model_spec(const ExperimentConfig& cfg, Index features, int classes);
// The training loop's settings of the config.
TrainSettings train_settings(const ExperimentConfig& cfg);

struct Experiment {
  // Takes the config and its loaded splits; builds the model once.
  Experiment(ExperimentConfig config, Splits data);
  ExperimentConfig cfg;
  Splits splits;
  Mlp mlp;
  TrainSettings settings;
  // Scheduler options for jobs on this model: group workers evaluate batches
  // of the training split, in candidate quanta that keep fitness values
  // bit-identical.
  ScheduleOptions schedule(int ranks_per_run) const;
};

// Trains one job (run `run_index` of `opt`, seeded with `seed`); returns its
// complete record. evaluator: the rank group's (nullptr: a serial one).
// `resume` continues a saved state (TrainState from a checkpoint).
RunRecord run_job(const Experiment& ex, const OptimizerConfig& opt, int run_index,
                  std::uint64_t seed, PopulationEvaluator* evaluator,
                  const std::vector<TrainCallback*>& callbacks = {},
                  const TrainState* resume = nullptr);

}  // namespace neurocma

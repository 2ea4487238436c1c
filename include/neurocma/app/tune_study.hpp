// `neurocma tune`: hyperparameter search per optimizer, trials distributed
// over MPI rank groups by the dynamic scheduler, every finished trial
// appended to <out>/<name>.tune.jsonl, the best values written into
// <out>/<name>.tuned.json. See docs/tune.md.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/app/config.hpp"
#include "neurocma/core/rng.hpp"
#include "neurocma/parallel/context.hpp"
#include "neurocma/train/trainer.hpp"

namespace neurocma {

struct TuneOptions {
  int trials = 100;       // per optimizer (the study's budget)
  std::string optimizer;  // tune only this one (empty: every optimizer)
  std::string sampler = "tpe";
  int seeds = 1;          // training runs averaged per trial
  std::string out_dir;    // empty: the config's out_dir
  int ranks_per_run = 0;  // ScheduleOptions::ranks_per_run
  bool quiet = false;     // no progress lines, no trial table
};

struct TuneBest {
  std::string optimizer;
  int trial = -1;  // -1: no successful trial
  nlohmann::json params;
  double objective = 0;
  int trials = 0, failed = 0;
};

struct TuneReport {
  std::string trials_path, tuned_path;
  std::vector<TuneBest> best;  // per tuned optimizer, config order
};

// Seeds of the K training runs behind every trial's objective: the k-th
// value of the stream Rng(base_seed, 0, Stream::kTune), skipping any value
// equal to run_seed(base_seed, i) for i < 100000, so tuning never trains on
// a seed that `neurocma run` uses. Trial-independent (common random numbers).
std::vector<std::uint64_t> tune_seeds(std::uint64_t base_seed, int count);

// Rng of the sampler for trial `trial` of optimizer `name`: depends on the
// base seed, the optimizer's name and the trial number only.
Rng tune_sampler_rng(std::uint64_t base_seed, const std::string& name, int trial);

// Objective of one training run: the smallest finite validation loss of its
// history; NaN (a failed run) when there is none, or when the run diverged
// or raised an error.
double tune_objective(const RunResult& result);

// Sets the tuned hyperparameters (lr, popsize, sigma0) of `opt` from
// params = {"lr": ..} and refreshes opt.params.
void apply_tuned_params(OptimizerConfig& opt, const nlohmann::json& params);

// Runs the study. Collective: every rank calls it. Tables and file paths go
// to `out` and progress/warnings to `log`, on rank 0 only.
TuneReport run_tune(ParallelContext& ctx, ExperimentConfig cfg, const TuneOptions& opt,
                    std::ostream& out, std::ostream& log);

}  // namespace neurocma

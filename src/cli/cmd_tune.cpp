// neurocma tune CONFIG: hyperparameter search per optimizer (see docs/tune.md).
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "neurocma/app/config.hpp"
#include "neurocma/app/tune_study.hpp"
#include "neurocma/core/error.hpp"

namespace neurocma::cli {
namespace {

struct TuneArgs {
  std::string config;
  std::optional<std::uint64_t> seed;
  std::string data_dir;
  TuneOptions opt;
  bool corrected = false;
};

int tune_command(const TuneArgs& args, ParallelContext& ctx) {
  ExperimentConfig cfg = load_config(args.config);
  if (args.corrected) apply_corrected_semantics(cfg);
  // Same meaning as in `neurocma run`: the base seed of split, runs and sampler.
  if (args.seed) cfg.seed = *args.seed;
  if (!args.data_dir.empty()) cfg.dataset.data_dir = args.data_dir;
  run_tune(ctx, cfg, args.opt, std::cout, std::cerr);
  return kExitOk;
}

}  // namespace

void add_tune_command(CLI::App& app, Action& action, ParallelContext& ctx) {
  auto args = std::make_shared<TuneArgs>();
  CLI::App* cmd = app.add_subcommand(
      "tune", "Search the hyperparameters of every optimizer of CONFIG (TPE or random)");
  cmd->add_option("config", args->config, "Experiment config (native or study JSON)")->required();
  cmd->add_option("--trials", args->opt.trials,
                  "Trials per optimizer (total, including recorded ones)")
      ->capture_default_str();
  cmd->add_option("--optimizer", args->opt.optimizer, "Tune only this optimizer");
  cmd->add_option("--sampler", args->opt.sampler, "tpe | random")->capture_default_str();
  cmd->add_option("--seeds", args->opt.seeds, "Training runs averaged per trial")
      ->capture_default_str();
  cmd->add_option("--out", args->opt.out_dir, "Output directory (default: the config's out_dir)");
  cmd->add_option("--seed", args->seed, "Base seed (overrides the config's seed)");
  cmd->add_option("--data-dir", args->data_dir, "Directory holding the data files");
  cmd->add_option("--ranks-per-run", args->opt.ranks_per_run, "MPI ranks per trial run (0 = auto)");
  add_threads_option(cmd);
  cmd->add_flag("--corrected", args->corrected,
                "Tune with the correct semantics instead of the earlier study's quirks");
  cmd->add_flag("--quiet", args->opt.quiet, "No progress lines and no trial table");
  cmd->callback(
      [args, &action, &ctx] { action = [args, &ctx] { return tune_command(*args, ctx); }; });
}

}  // namespace neurocma::cli

// neurocma run CONFIG: the command-line options of app/run_study.
#include <memory>

#include "commands.hpp"
#include "neurocma/app/run_study.hpp"

namespace neurocma::cli {

void add_run_command(CLI::App& app, Action& action, ParallelContext& ctx) {
  auto args = std::make_shared<RunStudyOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Train every optimizer of CONFIG for N seeded runs");
  cmd->add_option("config", args->config, "Experiment config (native or study JSON)")->required();
  cmd->add_option("--runs", args->runs, "Number of seeded runs per optimizer");
  cmd->add_option("--out", args->out, "Output directory for the results file");
  cmd->add_option("--seed", args->seed, "Base seed");
  cmd->add_option("--data-dir", args->data_dir, "Directory holding the data files");
  cmd->add_flag("--quiet", args->quiet, "No progress output");
  cmd->add_option("--csv", args->csv_dir, "Also write the study's CSV layout into DIR");
  cmd->add_option("--optimizer", args->only_optimizers, "Run only these optimizers (repeatable)");
  cmd->add_option("--run-range", args->run_range, "Run indices A:B (A..B-1), for job arrays");
  cmd->add_option("--result-file", args->result_file, "Results file path (default OUT/NAME.h5)");
  cmd->add_option("--ranks-per-run", args->ranks_per_run, "MPI ranks per CMA-ES run (0 = auto)");
  add_threads_option(cmd);
  cmd->add_flag("--corrected", args->corrected,
                "Run the config with the correct semantics instead of the earlier study's "
                "quirks (docs/study.md)");
  cmd->add_flag("--resume", args->resume,
                "Continue from the checkpoint of an interrupted run (starts afresh if none)");
  cmd->add_flag("--overwrite", args->overwrite,
                "Replace the results file if it exists (it is refused otherwise)");
  cmd->add_option("--checkpoint-every-epochs", args->checkpoint_epochs,
                  "Checkpoint after every K-th epoch (0 = off; default: config, else 0)");
  cmd->add_option(
      "--checkpoint-every-minutes", args->checkpoint_minutes,
      "Checkpoint every T minutes, between mini-batches (0 = off; default: config, else 5)");
  cmd->callback([args, &action, &ctx] { action = [args, &ctx] { return run_study(*args, ctx); }; });
}

}  // namespace neurocma::cli

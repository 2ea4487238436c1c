// Subcommands of the neurocma executable. Each add_*_command registers its
// options on `app` and, when chosen, sets `action` to the code to run.
#pragma once
#include <functional>

#include <CLI/CLI.hpp>

#include "neurocma/parallel/context.hpp"

namespace neurocma::cli {

using Action = std::function<int()>;

void add_run_command(CLI::App& app, Action& action, ParallelContext& ctx);
void add_optimize_command(CLI::App& app, Action& action, ParallelContext& ctx);
void add_fetch_command(CLI::App& app, Action& action, ParallelContext& ctx);
void add_tune_command(CLI::App& app, Action& action, ParallelContext& ctx);

}  // namespace neurocma::cli

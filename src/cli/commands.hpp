// Subcommands of the neurocma executable. Each add_*_command registers its
// options on `app` and, when chosen, sets `action` to the code to run.
#pragma once
#include <functional>

#include <CLI/CLI.hpp>

#include "neurocma/core/gemm.hpp"
#include "neurocma/parallel/context.hpp"

namespace neurocma::cli {

using Action = std::function<int()>;

void add_run_command(CLI::App& app, Action& action, ParallelContext& ctx);
void add_optimize_command(CLI::App& app, Action& action, ParallelContext& ctx);
void add_fetch_command(CLI::App& app, Action& action, ParallelContext& ctx);
void add_tune_command(CLI::App& app, Action& action, ParallelContext& ctx);

// --threads N: threads of the large float products (core/gemm.hpp). Results
// do not depend on it; with several ranks per node, keep ranks x N <= cores.
inline void add_threads_option(CLI::App* cmd) {
  cmd->add_option_function<int>(
         "--threads", [](const int& n) { set_sgemm_threads(n); },
         "Threads per rank for the population's first layer and full CMA-ES's products "
         "(default 1; results do not depend on it)")
      ->check(CLI::Range(1, 4096));
}

}  // namespace neurocma::cli

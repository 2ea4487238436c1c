// `neurocma run`: N seeded runs per optimizer of a config, distributed over
// MPI rank groups, checkpointed, written to one HDF5 results file (and the
// study's CSV layout). The CLI parses the options; this runs the study.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "neurocma/parallel/context.hpp"

namespace neurocma {

struct RunStudyOptions {
  std::string config;
  std::optional<int> runs;
  std::string out;
  std::optional<std::uint64_t> seed;
  std::string data_dir;
  bool quiet = false;
  std::string csv_dir;
  std::vector<std::string> only_optimizers;
  std::string run_range;  // "A:B" = run indices A..B-1
  std::string result_file;
  int ranks_per_run = 0;
  bool resume = false;
  bool overwrite = false;  // replace an existing results file
  std::optional<int> checkpoint_epochs;
  std::optional<double> checkpoint_minutes;
  bool corrected = false;
};

// Runs the study; returns the process exit code (kExitOk, kExitInterrupted).
// Throws ConfigError / RuntimeError for usage and runtime failures.
int run_study(const RunStudyOptions& args, ParallelContext& ctx);

}  // namespace neurocma

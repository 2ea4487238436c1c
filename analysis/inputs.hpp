// Finding and reading the inputs of neurocma-analyze: HDF5 results files,
// study CSVs (<dataset>.<optimizer>.csv) and directories searched recursively.
#pragma once
#include <string>
#include <vector>

#include "neurocma/io/results.hpp"

namespace neurocma::analysis {

struct LoadedInputs {
  std::vector<RunRecord> runs;
  std::vector<std::string> files;     // files whose runs were used
  std::vector<std::string> excluded;  // "<file>: <reason>" for incomplete inputs
  std::vector<std::string> skipped;   // files in directories that are not results
  std::vector<std::string> read;      // every input file opened or excluded: never write over
};

// Missing input path: ConfigError. Corrupt or non-result file, or a value out
// of its metric's range (an accuracy outside [0, 1], a negative loss, time or
// count, a NaN time or accuracy): RuntimeError naming the file, the run and
// the metric. Incomplete results (*.partial, or an HDF5 file without the root
// attribute complete=1) are listed in `excluded` and contribute no runs.
LoadedInputs load_inputs(const std::vector<std::string>& inputs);

}  // namespace neurocma::analysis

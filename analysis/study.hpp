// The analysis model: runs grouped by (dataset, optimizer) and, per dataset
// and metric, the statistics of src/stats. No I/O here.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "neurocma/io/results.hpp"
#include "neurocma/stats/compare.hpp"

namespace neurocma::analysis {

// How the evaluation counts are defined (docs/analysis.md).
//  kNative: model_evals = forward sample passes spent by the optimizer,
//           grad_evals = backward sample passes (neurocma's HDF5 counters).
//  kStudy:  model_evals = the earlier study's counter (every sample passed
//           forward, metric passes included, plus one per gradient step);
//           grad_evals has no separate value.
enum class Counting { kNative, kStudy };
Counting parse_counting(const std::string& s);  // native | study; ConfigError
std::string to_string(Counting c);
// One line saying what model_evals and grad_evals mean under `c`.
std::string counting_text(Counting c);

struct MetricDef {
  std::string name;
  Better better;
};

// Every metric a run's finals provide, in the study's column order.
const std::vector<MetricDef>& all_metrics();
// The study's main table: time .. model_evals.
std::vector<std::string> default_metrics();
// Comma-separated list of metric names; ConfigError names an unknown one.
std::vector<std::string> parse_metrics(const std::string& list);
const MetricDef& metric_def(const std::string& name);  // ConfigError if unknown
// The value of a metric; NaN when the run did not record it (e.g. native
// evaluation counts of a study CSV).
double metric_value(const RunResult& r, const std::string& name,
                    Counting counting = Counting::kNative);

struct AnalysisOptions {
  double alpha = 0.05;
  Correction correction = Correction::kNone;
  std::vector<std::string> metrics = default_metrics();
  // Unset: study when any run comes from a study CSV (which holds only the
  // study's counter), else native.
  std::optional<Counting> counting;
};

// One metric of one dataset: per-optimizer samples and their comparison.
struct MetricAnalysis {
  std::string metric;
  Better better = Better::kLower;
  std::vector<std::vector<double>> samples;  // per optimizer, NaN values dropped
  std::vector<std::size_t> dropped;          // per optimizer: NaN values dropped
  GroupComparison cmp;
};

struct DatasetAnalysis {
  std::string dataset;
  std::vector<std::string> optimizers;       // sorted by name
  std::vector<std::vector<RunRecord>> runs;  // per optimizer
  std::vector<MetricAnalysis> metrics;       // in AnalysisOptions::metrics order
};

struct Analysis {
  AnalysisOptions options;
  Counting counting = Counting::kNative;  // resolved
  std::vector<DatasetAnalysis> datasets;  // sorted by name
  std::vector<std::string> notes;         // warnings for the report and stderr
};

// Groups the runs and computes every statistic. Groups with fewer than 2 runs
// get a note and no tests.
Analysis analyze(const std::vector<RunRecord>& runs, const AnalysisOptions& opt);

}  // namespace neurocma::analysis

// The analysis model: runs grouped by (dataset, optimizer) and, per dataset
// and metric, the statistics of src/stats. No I/O here.
#pragma once
#include <string>
#include <vector>

#include "neurocma/io/results.hpp"
#include "neurocma/stats/compare.hpp"

namespace neurocma::analysis {

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
double metric_value(const RunResult& r, const std::string& name);

struct AnalysisOptions {
  double alpha = 0.05;
  Correction correction = Correction::kNone;
  std::vector<std::string> metrics = default_metrics();
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
  std::vector<DatasetAnalysis> datasets;  // sorted by name
  std::vector<std::string> notes;         // warnings for the report and stderr
};

// Groups the runs and computes every statistic. Groups with fewer than 2 runs
// get a note and no tests.
Analysis analyze(const std::vector<RunRecord>& runs, const AnalysisOptions& opt);

}  // namespace neurocma::analysis

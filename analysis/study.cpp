// Grouping of runs and per-metric statistics for neurocma-analyze.
#include "study.hpp"

#include <cmath>
#include <map>
#include <sstream>

#include "neurocma/core/error.hpp"

namespace neurocma::analysis {

const std::vector<MetricDef>& all_metrics() {
  static const std::vector<MetricDef> defs{
      {"time", Better::kLower},       {"train_loss", Better::kLower},
      {"train_acc", Better::kHigher}, {"val_loss", Better::kLower},
      {"val_acc", Better::kHigher},   {"test_loss", Better::kLower},
      {"test_acc", Better::kHigher},  {"model_evals", Better::kLower},
      {"grad_evals", Better::kLower}, {"total_evals", Better::kLower},
      {"epochs", Better::kLower},
  };
  return defs;
}

std::vector<std::string> default_metrics() {
  return {"time",    "train_loss", "train_acc", "val_loss",
          "val_acc", "test_loss",  "test_acc",  "model_evals"};
}

const MetricDef& metric_def(const std::string& name) {
  for (const MetricDef& d : all_metrics())
    if (d.name == name) return d;
  std::string known;
  for (const MetricDef& d : all_metrics()) known += (known.empty() ? "" : ",") + d.name;
  throw ConfigError("--metrics: unknown metric '" + name + "', expected one of " + known);
}

std::vector<std::string> parse_metrics(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    item = item.substr(b, e - b + 1);
    metric_def(item);  // validates
    out.push_back(item);
  }
  if (out.empty()) throw ConfigError("--metrics: empty list, expected e.g. test_acc,test_loss");
  return out;
}

double metric_value(const RunResult& r, const std::string& name) {
  if (name == "time") return r.time;
  if (name == "train_loss") return r.train_loss;
  if (name == "train_acc") return r.train_acc;
  if (name == "val_loss") return r.val_loss;
  if (name == "val_acc") return r.val_acc;
  if (name == "test_loss") return r.test_loss;
  if (name == "test_acc") return r.test_acc;
  if (name == "model_evals") return static_cast<double>(r.model_evals);
  if (name == "grad_evals") return static_cast<double>(r.grad_evals);
  if (name == "total_evals") return static_cast<double>(r.model_evals + r.grad_evals);
  if (name == "epochs") return static_cast<double>(r.epochs);
  throw ConfigError("unknown metric '" + name + "'");
}

Analysis analyze(const std::vector<RunRecord>& runs, const AnalysisOptions& opt) {
  Analysis a;
  a.options = opt;
  // std::map keeps datasets and optimizers sorted by name.
  std::map<std::string, std::map<std::string, std::vector<RunRecord>>> grouped;
  for (const RunRecord& r : runs) grouped[r.dataset][r.optimizer].push_back(r);
  CompareOptions copt;
  copt.alpha = opt.alpha;
  copt.correction = opt.correction;
  copt.min_n = 2;
  for (auto& [dataset, by_opt] : grouped) {
    DatasetAnalysis d;
    d.dataset = dataset;
    for (auto& [name, rs] : by_opt) {
      d.optimizers.push_back(name);
      d.runs.push_back(rs);
      if (rs.size() < 2)
        a.notes.push_back("dataset " + dataset + ", optimizer " + name + ": only " +
                          std::to_string(rs.size()) + " run (fewer than 2): std and tests are n/a");
    }
    for (const std::string& metric : opt.metrics) {
      MetricAnalysis m;
      m.metric = metric;
      m.better = metric_def(metric).better;
      for (std::size_t g = 0; g < d.runs.size(); ++g) {
        std::vector<double> v;
        std::size_t dropped = 0;
        for (const RunRecord& r : d.runs[g]) {
          const double x = metric_value(r.result, metric);
          if (std::isnan(x))
            ++dropped;
          else
            v.push_back(x);
        }
        if (dropped > 0)
          a.notes.push_back("dataset " + dataset + ", optimizer " + d.optimizers[g] + ": " +
                            std::to_string(dropped) + " NaN value(s) of " + metric +
                            " excluded from its statistics");
        m.samples.push_back(std::move(v));
        m.dropped.push_back(dropped);
      }
      m.cmp = compare_groups(m.samples, m.better, copt);
      d.metrics.push_back(std::move(m));
    }
    a.datasets.push_back(std::move(d));
  }
  return a;
}

}  // namespace neurocma::analysis

// Grouping of runs and per-metric statistics for neurocma-analyze.
#include "study.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "neurocma/core/error.hpp"

namespace neurocma::analysis {

const std::vector<MetricDef>& all_metrics() {
  // The final metrics of the run record's table, and the derived total_evals.
  static const std::vector<MetricDef> defs = [] {
    std::vector<MetricDef> d;
    for (const MetricInfo& m : run_metrics()) {
      if (!m.in_final()) continue;
      d.push_back(
          {m.name, m.better == MetricDirection::kHigher ? Better::kHigher : Better::kLower});
      if (std::string(m.name) == "grad_evals") d.push_back({"total_evals", Better::kLower});
    }
    return d;
  }();
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

Counting parse_counting(const std::string& s) {
  if (s == "native") return Counting::kNative;
  if (s == "study") return Counting::kStudy;
  throw ConfigError("--counting: unknown value '" + s + "', expected native or study");
}

std::string to_string(Counting c) {
  return c == Counting::kStudy ? "study" : "native";
}

std::string counting_text(Counting c) {
  if (c == Counting::kStudy)
    return "Evaluations in the study's convention: model_evals counts every sample passed "
           "forward (the optimizer's, the per-epoch training and validation passes and the "
           "final evaluation of the three splits) plus one per gradient step; grad_evals has "
           "no separate value.";
  return "Evaluations in neurocma's convention: model_evals counts the forward sample passes "
         "spent by the optimizer, grad_evals the backward sample passes.";
}

namespace {

double count(long long v) {
  return v < 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(v);
}

}  // namespace

double metric_value(const RunResult& r, const std::string& name, Counting counting) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (name == "model_evals")
    return counting == Counting::kStudy ? count(r.study_evals) : count(r.model_evals);
  if (name == "grad_evals") return counting == Counting::kStudy ? nan : count(r.grad_evals);
  if (name == "total_evals")
    return counting == Counting::kStudy || r.model_evals < 0 || r.grad_evals < 0
               ? nan
               : static_cast<double>(r.model_evals + r.grad_evals);
  if (name == "study_evals") return count(r.study_evals);
  const MetricInfo* m = find_metric(name);
  if (m == nullptr || !m->in_final()) throw ConfigError("unknown metric '" + name + "'");
  return m->final_value(r);
}

Analysis analyze(const std::vector<RunRecord>& runs, const AnalysisOptions& opt) {
  Analysis a;
  a.options = opt;
  // Study CSVs carry only the study's counter.
  bool from_csv = false;
  for (const RunRecord& r : runs) from_csv = from_csv || r.result.model_evals < 0;
  a.counting = opt.counting ? *opt.counting : (from_csv ? Counting::kStudy : Counting::kNative);
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
          const double x = metric_value(r.result, metric, a.counting);
          if (std::isnan(x))
            ++dropped;
          else
            v.push_back(x);
        }
        const bool count_metric = metric.find("_evals") != std::string::npos;
        if (dropped > 0 && count_metric)
          a.notes.push_back("dataset " + dataset + ", optimizer " + d.optimizers[g] + ": " +
                            std::to_string(dropped) + " run(s) have no " + metric + " in the " +
                            to_string(a.counting) + " counting convention" +
                            (a.counting == Counting::kNative
                                 ? " (study CSVs hold only the study's counter; use --counting "
                                   "study)"
                                 : " (files written before neurocma recorded study_evals)"));
        else if (dropped > 0)
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

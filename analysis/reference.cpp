#include "reference.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "neurocma/core/error.hpp"
#include "report.hpp"

namespace neurocma::analysis {

ReferenceComparison compare_with_reference(const Analysis& a, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the reference file (missing or unreadable)");
  nlohmann::ordered_json j;  // keeps the file's order of data sets, optimizers and metrics
  try {
    j = nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(path + ": malformed JSON: " + e.what());
  }
  auto fail = [&](const std::string& key, const std::string& what) {
    throw ConfigError(path + ": " + key + ": " + what);
  };
  if (!j.is_object() || !j.contains("datasets") || !j["datasets"].is_object())
    fail("datasets", "expected an object of data sets");
  if (!j.contains("runs") || !j["runs"].is_number_integer() || j["runs"].get<int>() < 2)
    fail("runs", "expected the number of runs behind each mean, an integer >= 2");
  ReferenceComparison c;
  c.source = j.value("source", path);
  c.note = j.value("note", "");
  c.counting = j.value("counting", "native");
  if (c.counting != "native" && c.counting != "study")
    fail("counting", "expected \"native\" or \"study\", got \"" + c.counting + "\"");
  const int n_ref = j["runs"].get<int>();
  if (c.counting != to_string(a.counting))
    c.notes.push_back("the reference counts evaluations in the " + c.counting +
                      " convention, this analysis in the " + to_string(a.counting) +
                      " one: model_evals is not compared (use --counting " + c.counting + ")");
  auto analyzed = [&](const std::string& metric) {
    for (const DatasetAnalysis& x : a.datasets)
      for (const MetricAnalysis& m : x.metrics)
        if (m.metric == metric) return true;
    return a.datasets.empty();  // nothing analyzed: every row reads "no runs"
  };
  for (const auto& [dataset, opts] : j["datasets"].items()) {
    if (!opts.is_object()) fail("datasets." + dataset, "expected an object of optimizers");
    const DatasetAnalysis* d = nullptr;
    for (const DatasetAnalysis& x : a.datasets)
      if (x.dataset == dataset) d = &x;
    for (const auto& [opt, metrics] : opts.items()) {
      const std::string where = "datasets." + dataset + "." + opt;
      if (!metrics.is_object()) fail(where, "expected an object of metrics");
      for (const auto& [metric, ms] : metrics.items()) {
        if (!ms.is_array() || ms.size() != 2 || !ms[0].is_number() || !ms[1].is_number() ||
            !(ms[1].get<double>() >= 0))
          fail(where + "." + metric, "expected [mean, std] with std >= 0");
        if (metric.find("_evals") != std::string::npos && c.counting != to_string(a.counting))
          continue;
        if (!analyzed(metric)) continue;  // left out by --metrics
        ReferenceRow r;
        r.dataset = dataset;
        r.optimizer = opt;
        r.metric = metric;
        r.ref_mean = ms[0].get<double>();
        r.ref_std = ms[1].get<double>();
        r.ref_n = n_ref;
        if (d != nullptr) {
          for (std::size_t g = 0; g < d->optimizers.size(); ++g) {
            if (d->optimizers[g] != opt) continue;
            for (const MetricAnalysis& m : d->metrics)
              if (m.metric == metric) r.ours = m.cmp.summary[g];
          }
        }
        if (r.ours.n >= 2) {
          r.diff = std::fabs(r.ours.mean - r.ref_mean);
          r.tolerance = 2.6 * std::sqrt(r.ref_std * r.ref_std / n_ref +
                                        r.ours.std * r.ours.std / static_cast<double>(r.ours.n));
          r.within = r.diff <= r.tolerance;
        }
        c.rows.push_back(r);
      }
    }
  }
  return c;
}

std::string render_reference_markdown(const ReferenceComparison& c) {
  std::ostringstream os;
  os << "## Comparison with the reference\n\n"
     << "Reference: " << c.source << ".";
  if (!c.note.empty()) os << " " << c.note;
  os << "\n\nWithin: |neurocma mean - reference mean| <= 2.6 sqrt(s_ref^2/n_ref + "
        "s^2/n). Time is compared as a ratio, not tested.\n\n";
  for (const std::string& n : c.notes) os << "Note: " << n << "\n\n";
  std::string dataset;
  int within = 0, tested = 0, acc_within = 0, acc_tested = 0;
  for (const ReferenceRow& r : c.rows) {
    if (r.dataset != dataset) {
      dataset = r.dataset;
      os << "### " << dataset << "\n\n"
         << "| optimizer | metric | reference | neurocma | difference | tolerance | within |\n"
         << "|---|---|---:|---:|---:|---:|---|\n";
    }
    os << "| " << r.optimizer << " | " << r.metric << " | " << fmt4(r.ref_mean) << " ± "
       << fmt4(r.ref_std) << " | ";
    if (r.ours.n < 2) {
      os << "n/a | | | no runs |\n";
      continue;
    }
    os << fmt4(r.ours.mean) << " ± " << fmt4(r.ours.std) << " | ";
    if (r.metric == "time") {
      os << (r.ours.mean > 0 ? fmt4(r.ref_mean / r.ours.mean) + "x faster" : "n/a") << " | | |\n";
      continue;
    }
    ++tested;
    within += r.within ? 1 : 0;
    if (r.metric == "test_acc") {
      ++acc_tested;
      acc_within += r.within ? 1 : 0;
    }
    os << fmt4(r.diff) << " | " << fmt4(r.tolerance) << " | " << (r.within ? "yes" : "**no**")
       << " |\n";
    const bool last = &r == &c.rows.back() || (&r + 1)->dataset != dataset;
    if (last) os << "\n";
  }
  os << "\ntest_acc within tolerance: " << acc_within << " of " << acc_tested
     << " setups; all compared metrics: " << within << " of " << tested << ".\n";
  return os.str();
}

}  // namespace neurocma::analysis

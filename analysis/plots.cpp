// Plots of neurocma-analyze, drawn with the SVG writer in svg.hpp.
#include "plots.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "neurocma/core/error.hpp"
#include "neurocma/stats/summary.hpp"
#include "svg.hpp"

namespace neurocma::analysis {

namespace {

double history_value(const EpochRecord& e, const std::string& metric) {
  const MetricInfo* m = find_metric(metric);
  if (m == nullptr || !m->in_history())
    throw ConfigError("no learning curve for metric '" + metric + "'");
  return m->history_value(e);
}

std::string safe_name(const std::string& s) {
  std::string out;
  for (char c : s)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return out;
}

// The plots of one dataset, by metric; file names built in one place for
// write_plots and plot_paths.
const char* const kBoxMetrics[] = {"test_acc", "test_loss"};
const char* const kCurveMetrics[] = {"val_loss", "val_acc"};

std::string box_file(const std::string& base, const std::string& metric) {
  return base + "_box_" + metric + ".svg";
}
std::string curve_file(const std::string& base, const std::string& metric) {
  return base + "_curve_" + metric + ".svg";
}
std::string scatter_file(const std::string& base) {
  return base + "_time_vs_test_acc.svg";
}

}  // namespace

Curve mean_curve(const std::vector<RunRecord>& runs, const std::string& metric) {
  Curve c;
  std::size_t longest = 0;
  for (const RunRecord& r : runs) longest = std::max(longest, r.result.history.size());
  for (std::size_t e = 0; e < longest; ++e) {
    std::vector<double> v;
    for (const RunRecord& r : runs)
      if (e < r.result.history.size()) {
        const double x = history_value(r.result.history[e], metric);
        if (!std::isnan(x)) v.push_back(x);
      }
    const Summary s = summarize(v);
    c.epoch.push_back(static_cast<double>(e + 1));
    c.mean.push_back(s.mean);
    c.std.push_back(s.n >= 2 ? s.std : 0.0);
    c.runs.push_back(v.size());
  }
  return c;
}

std::size_t epochs_to_plot(const Curve& c, std::size_t total_runs) {
  std::size_t e = 0;
  while (e < c.runs.size() && 2 * c.runs[e] >= total_runs) ++e;
  return e;
}

void curve_band(const Curve& c, const std::string& metric, std::size_t epochs,
                std::vector<double>& lo, std::vector<double>& hi) {
  const bool accuracy = metric.size() >= 3 && metric.compare(metric.size() - 3, 3, "acc") == 0;
  const double top = accuracy ? 1.0 : std::numeric_limits<double>::infinity();
  lo.resize(epochs);
  hi.resize(epochs);
  for (std::size_t e = 0; e < epochs; ++e) {
    lo[e] = std::clamp(c.mean[e] - c.std[e], 0.0, top);
    hi[e] = std::clamp(c.mean[e] + c.std[e], 0.0, top);
  }
}

std::vector<std::string> write_plots(const Analysis& a, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw RuntimeError("cannot create plot directory " + dir + ": " + ec.message());
  std::vector<std::string> written;
  auto save = [&](const SvgChart& chart, const std::string& name) {
    const std::string path = (std::filesystem::path(dir) / name).string();
    chart.save(path);
    written.push_back(path);
  };

  for (const DatasetAnalysis& d : a.datasets) {
    const std::string base = safe_name(d.dataset);
    const std::size_t k = d.optimizers.size();

    for (const std::string metric : kBoxMetrics) {
      SvgChart chart(d.dataset + ": " + metric + " per optimizer", "optimizer", metric);
      for (std::size_t g = 0; g < k; ++g) {
        std::vector<double> v;
        for (const RunRecord& r : d.runs[g]) {
          const double x = metric_value(r.result, metric);
          if (std::isfinite(x)) v.push_back(x);
        }
        if (!v.empty())
          chart.box(static_cast<double>(g + 1), box_stats(v), palette(g), d.optimizers[g]);
      }
      save(chart, box_file(base, metric));
    }

    for (const std::string metric : kCurveMetrics) {
      SvgChart chart(d.dataset + ": mean " + metric + " ± std over runs", "epoch", metric);
      bool any = false;
      for (std::size_t g = 0; g < k; ++g) {
        const Curve c = mean_curve(d.runs[g], metric);
        const std::size_t epochs = epochs_to_plot(c, d.runs[g].size());
        if (epochs == 0) continue;
        std::vector<double> lo, hi;
        curve_band(c, metric, epochs, lo, hi);
        const std::vector<double> x(c.epoch.begin(), c.epoch.begin() + static_cast<long>(epochs));
        chart.band(x, lo, hi, palette(g));
        chart.line(x,
                   std::vector<double>(c.mean.begin(), c.mean.begin() + static_cast<long>(epochs)),
                   palette(g), d.optimizers[g]);
        any = true;
      }
      if (any) save(chart, curve_file(base, metric));
    }

    SvgChart scatter(d.dataset + ": wall-clock time vs test accuracy", "time [s]", "test_acc");
    for (std::size_t g = 0; g < k; ++g) {
      std::vector<double> x, y;
      for (const RunRecord& r : d.runs[g]) {
        x.push_back(r.result.time);
        y.push_back(r.result.test_acc);
      }
      scatter.points(x, y, palette(g), d.optimizers[g]);
    }
    save(scatter, scatter_file(base));
  }
  return written;
}

std::vector<std::string> plot_paths(const Analysis& a, const std::string& dir) {
  std::vector<std::string> paths;
  auto add = [&](const std::string& name) {
    paths.push_back((std::filesystem::path(dir) / name).string());
  };
  for (const DatasetAnalysis& d : a.datasets) {
    const std::string base = safe_name(d.dataset);
    for (const std::string metric : kBoxMetrics) add(box_file(base, metric));
    for (const std::string metric : kCurveMetrics) add(curve_file(base, metric));
    add(scatter_file(base));
  }
  return paths;
}

}  // namespace neurocma::analysis

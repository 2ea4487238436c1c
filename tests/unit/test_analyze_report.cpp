// neurocma-analyze internals on in-memory runs: grouping, best flags and their
// rendering in Markdown, LaTeX, CSV and JSON, and the plot helpers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "neurocma/core/error.hpp"
#include "plots.hpp"
#include "reference.hpp"
#include "report.hpp"
#include "study.hpp"
#include "svg.hpp"

namespace {

using namespace neurocma;
using namespace neurocma::analysis;

RunRecord make_run(const std::string& dataset, const std::string& opt, double acc, double loss,
                   double time, int epochs) {
  RunRecord r;
  r.dataset = dataset;
  r.optimizer = opt;
  RunResult& res = r.result;
  res.time = time;
  res.train_loss = loss * 0.9;
  res.train_acc = acc + 0.01;
  res.val_loss = loss * 1.05;
  res.val_acc = acc - 0.01;
  res.test_loss = loss;
  res.test_acc = acc;
  res.model_evals = 1000 * epochs;
  res.grad_evals = 0;
  res.epochs = epochs;
  for (int e = 1; e <= epochs; ++e) {
    EpochRecord rec;
    rec.val_loss = loss + 1.0 / e;
    rec.val_acc = acc - 0.1 / e;
    res.history.push_back(rec);
  }
  return r;
}

// adam clearly best in test_acc; sgd clearly worse; cmaes has a single run.
std::vector<RunRecord> study_runs() {
  std::vector<RunRecord> runs;
  for (int i = 0; i < 10; ++i) {
    runs.push_back(
        make_run("iris", "adam", 0.95 + 0.001 * i, 0.20 + 0.01 * i, 2.0 + 0.1 * i, 5 + i % 3));
    runs.push_back(make_run("iris", "sgd", 0.80 + 0.001 * i, 0.50 + 0.01 * i, 1.0 + 0.1 * i, 6));
  }
  runs.push_back(make_run("iris", "cmaes", 0.99, 0.05, 9.0, 4));
  return runs;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The cells of the first Markdown table row whose first cell is `name`, after
// the first header line starting with "| optimizer | time".
std::vector<std::string> md_main_row(const std::string& md, const std::string& name,
                                     std::vector<std::string>& header) {
  std::istringstream in(md);
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("| optimizer | time", 0) == 0) {
      in_table = true;
      header = split(line, '|');
      continue;
    }
    if (in_table && line.empty()) break;
    if (in_table) {
      std::vector<std::string> cells = split(line, '|');
      if (cells.size() > 1 && trim(cells[1]) == name) return cells;
    }
  }
  return {};
}

TEST(AnalyzeStudy, GroupsAndBestFlags) {
  const Analysis a = analyze(study_runs(), AnalysisOptions{});
  ASSERT_EQ(a.datasets.size(), 1u);
  const DatasetAnalysis& d = a.datasets[0];
  ASSERT_EQ(d.optimizers, (std::vector<std::string>{"adam", "cmaes", "sgd"}));
  ASSERT_EQ(d.metrics.size(), 8u);
  const MetricAnalysis& acc = d.metrics[6];
  ASSERT_EQ(acc.metric, "test_acc");
  // cmaes has the best single value but only one run: never best, no tests.
  EXPECT_EQ(acc.cmp.best, 0);
  EXPECT_TRUE(acc.cmp.is_best[0]);
  EXPECT_FALSE(acc.cmp.is_best[1]);
  EXPECT_FALSE(acc.cmp.is_best[2]);
  const MetricAnalysis& time = d.metrics[0];
  EXPECT_EQ(time.cmp.best, 2);  // sgd is faster: lower time is better
  EXPECT_TRUE(time.cmp.is_best[2]);
  EXPECT_FALSE(time.cmp.is_best[0]);
  // The one-run group is reported.
  bool noted = false;
  for (const std::string& n : a.notes)
    noted = noted || n.find("cmaes: only 1 run") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(AnalyzeStudy, MetricsParsing) {
  EXPECT_EQ(parse_metrics("test_acc, time"), (std::vector<std::string>{"test_acc", "time"}));
  EXPECT_THROW(parse_metrics("test_acc,accuracy"), ConfigError);
  EXPECT_THROW(parse_metrics(""), ConfigError);
}

TEST(AnalyzeStudy, NaNValuesAreDroppedAndNoted) {
  std::vector<RunRecord> runs = study_runs();
  runs[0].result.test_loss = std::nan("");  // a diverged adam run
  const Analysis a = analyze(runs, AnalysisOptions{});
  const MetricAnalysis& loss = a.datasets[0].metrics[5];
  ASSERT_EQ(loss.metric, "test_loss");
  EXPECT_EQ(loss.cmp.summary[0].n, 9u);
  EXPECT_EQ(loss.dropped[0], 1u);
  EXPECT_FALSE(std::isnan(loss.cmp.summary[0].mean));
}

TEST(AnalyzeReport, MarkdownBoldOnBestCells) {
  const Analysis a = analyze(study_runs(), AnalysisOptions{});
  const std::string md = render_markdown(a, {"x.h5.partial: incomplete"});
  std::vector<std::string> header;
  const std::vector<std::string> adam = md_main_row(md, "adam", header);
  const std::vector<std::string> sgd = md_main_row(md, "sgd", header);
  const std::vector<std::string> cmaes = md_main_row(md, "cmaes", header);
  ASSERT_EQ(header.size(), 10u);  // leading empty + optimizer + 8 metrics
  ASSERT_EQ(adam.size(), header.size());
  std::size_t acc_col = 0, time_col = 0;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (trim(header[c]) == "test_acc") acc_col = c;
    if (trim(header[c]) == "time") time_col = c;
  }
  ASSERT_GT(acc_col, 0u);
  EXPECT_EQ(trim(adam[acc_col]).rfind("**", 0), 0u) << adam[acc_col];
  EXPECT_EQ(trim(sgd[acc_col]).find("**"), std::string::npos) << sgd[acc_col];
  EXPECT_EQ(trim(sgd[time_col]).rfind("**", 0), 0u) << sgd[time_col];
  EXPECT_EQ(trim(adam[time_col]).find("**"), std::string::npos);
  // Cell text: mean ± std with 4 significant digits (adam test_acc mean 0.9545).
  EXPECT_NE(adam[acc_col].find("0.9545 ± "), std::string::npos) << adam[acc_col];
  EXPECT_NE(cmaes[acc_col].find("0.99 ± n/a"), std::string::npos) << cmaes[acc_col];
  EXPECT_NE(md.find("x.h5.partial: incomplete"), std::string::npos);
  EXPECT_NE(md.find("cmaes n=1 (fewer than 2 runs"), std::string::npos);
  EXPECT_NE(md.find("ROW is better than the COLUMN (alternative 'greater'"), std::string::npos);
}

TEST(AnalyzeReport, LatexBoldOnBestCells) {
  const Analysis a = analyze(study_runs(), AnalysisOptions{});
  const std::string tex = render_latex(a, {});
  std::istringstream in(tex);
  std::string line, adam_row, sgd_row;
  while (std::getline(in, line)) {
    if (line.rfind("adam & ", 0) == 0 && adam_row.empty()) adam_row = line;
    if (line.rfind("sgd & ", 0) == 0 && sgd_row.empty()) sgd_row = line;
  }
  const std::vector<std::string> adam = split(adam_row, '&');
  const std::vector<std::string> sgd = split(sgd_row, '&');
  ASSERT_EQ(adam.size(), 9u);
  // columns: optimizer, time, train_loss, train_acc, val_loss, val_acc, test_loss, test_acc, evals
  EXPECT_NE(adam[7].find("\\textbf{0.9545 $\\pm$"), std::string::npos) << adam[7];
  EXPECT_EQ(sgd[7].find("\\textbf"), std::string::npos);
  EXPECT_NE(sgd[1].find("\\textbf"), std::string::npos);
  EXPECT_NE(tex.find("train\\_loss"), std::string::npos);
  EXPECT_NE(tex.find("\\begin{tabular}{lrrrrrrrr}"), std::string::npos);
}

TEST(AnalyzeReport, CsvBestFlagAndPairs) {
  const Analysis a = analyze(study_runs(), AnalysisOptions{});
  std::istringstream in(render_csv(a));
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split(line, ',');
  ASSERT_EQ(header[9], "best");
  int summaries = 0, pairs = 0;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = split(line, ',');
    if (f[0] == "summary") {
      ++summaries;
      if (f[2] == "test_acc") {
        EXPECT_EQ(f[9], f[3] == "adam" ? "1" : "0") << line;
      }
      if (f[2] == "test_acc" && f[3] == "cmaes") {
        EXPECT_EQ(f[7], "") << "std of one run is empty";
      }
    } else {
      ASSERT_EQ(f[0], "pair");
      ++pairs;
      EXPECT_NE(f[3], "cmaes");  // untested group
    }
  }
  EXPECT_EQ(summaries, 8 * 3);
  EXPECT_EQ(pairs, 8 * 2);  // adam<->sgd in both directions, per metric
}

TEST(AnalyzeReport, JsonRoundTrip) {
  AnalysisOptions opt;
  opt.correction = Correction::kHolm;
  opt.metrics = {"test_acc", "time"};
  const std::vector<RunRecord> runs = study_runs();
  const Analysis a = analyze(runs, opt);
  const nlohmann::json j = nlohmann::json::parse(render_json(a, {"f.h5: incomplete"}));
  EXPECT_EQ(j.at("correction"), "holm");
  EXPECT_EQ(j.at("excluded").size(), 1u);
  const nlohmann::json& d = j.at("datasets").at(0);
  EXPECT_EQ(d.at("dataset"), "iris");
  const nlohmann::json& groups = d.at("groups");
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].at("optimizer"), "adam");
  EXPECT_TRUE(groups[0].at("metrics").at("test_acc").at("best").get<bool>());
  EXPECT_FALSE(groups[2].at("metrics").at("test_acc").at("best").get<bool>());
  EXPECT_TRUE(groups[1].at("metrics").at("test_acc").at("std").is_null());
  EXPECT_EQ(groups[1].at("runs"), 1);
  // Pairwise p-value equals a direct test on the same values.
  std::vector<double> adam, sgd;
  for (const RunRecord& r : runs) {
    if (r.optimizer == "adam") adam.push_back(r.result.test_acc);
    if (r.optimizer == "sgd") sgd.push_back(r.result.test_acc);
  }
  const nlohmann::json& pw = d.at("pairwise").at("test_acc");
  EXPECT_DOUBLE_EQ(pw.at("p_two_sided").at(0).at(2).get<double>(), mann_whitney_u(adam, sgd).p);
  EXPECT_DOUBLE_EQ(pw.at("p_better").at(0).at(2).get<double>(),
                   mann_whitney_u(adam, sgd, Alternative::kGreater).p);
  EXPECT_EQ(pw.at("better_alternative"), "greater");
  EXPECT_TRUE(pw.at("p_two_sided").at(0).at(1).is_null());  // cmaes: not tested
  EXPECT_TRUE(pw.at("p_two_sided").at(0).at(0).is_null());  // diagonal
  EXPECT_EQ(pw.at("best"), "adam");
}

TEST(AnalyzeReport, FormatsAndNumbers) {
  EXPECT_EQ(parse_format("tex"), Format::kLatex);
  EXPECT_THROW(parse_format("html"), ConfigError);
  EXPECT_EQ(fmt4(0.123456), "0.1235");
  EXPECT_EQ(fmt4(123456.0), "1.235e+05");
  EXPECT_EQ(fmt4(std::nan("")), "n/a");
}

TEST(AnalyzePlots, BoxStatsLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4, 100], [25, 50, 75]) = 2, 3, 4; fence 4 + 3 = 7.
  const BoxStats b = box_stats({4, 100, 1, 3, 2});
  EXPECT_DOUBLE_EQ(b.q1, 2);
  EXPECT_DOUBLE_EQ(b.median, 3);
  EXPECT_DOUBLE_EQ(b.q3, 4);
  EXPECT_DOUBLE_EQ(b.whisker_lo, 1);
  EXPECT_DOUBLE_EQ(b.whisker_hi, 4);
  ASSERT_EQ(b.outliers.size(), 1u);
  EXPECT_DOUBLE_EQ(b.outliers[0], 100);
  // Interpolated: numpy.percentile([1, 2, 3, 4], 25) = 1.75.
  EXPECT_DOUBLE_EQ(quantile_sorted({1, 2, 3, 4}, 0.25), 1.75);
}

TEST(AnalyzePlots, NiceTicks) {
  const std::vector<double> t = nice_ticks(0.03, 0.97);
  ASSERT_FALSE(t.empty());
  EXPECT_LE(t.front(), 0.03);
  EXPECT_GE(t.back(), 0.97);
  EXPECT_NEAR(t[1] - t[0], 0.2, 1e-12);
  const std::vector<double> flat = nice_ticks(5, 5);  // degenerate range widened
  EXPECT_LT(flat.front(), 5);
  EXPECT_GT(flat.back(), 5);
}

TEST(AnalyzePlots, MeanCurveOverRunsStillGoing) {
  std::vector<RunRecord> runs{make_run("d", "o", 0.9, 0.3, 1, 3),
                              make_run("d", "o", 0.8, 0.5, 1, 5)};
  const Curve c = mean_curve(runs, "val_loss");
  ASSERT_EQ(c.epoch.size(), 5u);
  // epoch 1: both runs: (0.3 + 1) and (0.5 + 1)
  EXPECT_DOUBLE_EQ(c.mean[0], 1.4);
  EXPECT_NEAR(c.std[0], std::sqrt(0.02), 1e-12);
  EXPECT_EQ(c.runs[2], 2u);
  // epoch 4: only the second run is still going.
  EXPECT_EQ(c.runs[3], 1u);
  EXPECT_DOUBLE_EQ(c.mean[3], 0.5 + 1.0 / 4);
  EXPECT_DOUBLE_EQ(c.std[3], 0.0);
}

TEST(AnalyzePlots, CurveDrawnWhileHalfTheRunsGoAndBandClipped) {
  // Runs of 2, 3, 5 and 6 epochs: at epoch 4 two of four runs remain (drawn),
  // at epoch 6 one (not drawn).
  std::vector<RunRecord> runs{
      make_run("d", "o", 0.9, 0.3, 1, 2), make_run("d", "o", 0.9, 0.3, 1, 3),
      make_run("d", "o", 0.8, 0.5, 1, 5), make_run("d", "o", 0.8, 0.5, 1, 6)};
  const Curve c = mean_curve(runs, "val_loss");
  ASSERT_EQ(c.epoch.size(), 6u);
  EXPECT_EQ(epochs_to_plot(c, runs.size()), 5u);
  EXPECT_EQ(epochs_to_plot(c, 9), 0u);  // fewer than half the runs from the start

  Curve wide;
  wide.epoch = {1, 2};
  wide.mean = {0.2, 0.95};
  wide.std = {0.5, 0.1};
  wide.runs = {3, 3};
  std::vector<double> lo, hi;
  curve_band(wide, "val_loss", 2, lo, hi);
  EXPECT_DOUBLE_EQ(lo[0], 0.0);
  EXPECT_DOUBLE_EQ(hi[0], 0.7);
  EXPECT_DOUBLE_EQ(hi[1], 1.05);  // a loss may exceed 1
  curve_band(wide, "val_acc", 2, lo, hi);
  EXPECT_DOUBLE_EQ(hi[1], 1.0);
  EXPECT_DOUBLE_EQ(lo[1], 0.85);
}

TEST(AnalyzePlots, WritesSvgFiles) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("neurocma_plots_" + std::to_string(::getpid()));
  const Analysis a = analyze(study_runs(), AnalysisOptions{});
  const std::vector<std::string> files = write_plots(a, dir.string());
  EXPECT_EQ(files.size(), 5u);
  for (const char* name :
       {"iris_box_test_acc.svg", "iris_box_test_loss.svg", "iris_curve_val_loss.svg",
        "iris_curve_val_acc.svg", "iris_time_vs_test_acc.svg"}) {
    std::ifstream in(dir / name);
    ASSERT_TRUE(in) << name;
    const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(svg.rfind("<svg ", 0), 0u) << name;
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << name;
    EXPECT_EQ(svg.find("nan"), std::string::npos) << name;  // no NaN coordinates
    EXPECT_NE(svg.find(">adam<"), std::string::npos) << name << ": legend or category label";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

TEST(AnalyzeCounting, StudyCsvRunsSelectTheStudyConventionAndNeverMix) {
  std::vector<RunRecord> runs = study_runs();
  for (RunRecord& r : runs) r.result.study_evals = r.result.model_evals + 7;
  // Only HDF5-like runs: native counts by default.
  Analysis native = analyze(runs, AnalysisOptions{});
  EXPECT_EQ(native.counting, Counting::kNative);
  // A study CSV run (native counts unknown) switches the default to the study's counter.
  RunRecord csv = make_run("iris", "adam", 0.9, 0.3, 1.0, 5);
  csv.result.model_evals = -1;
  csv.result.grad_evals = -1;
  csv.result.study_evals = 4321;
  runs.push_back(csv);
  const Analysis study = analyze(runs, AnalysisOptions{});
  EXPECT_EQ(study.counting, Counting::kStudy);
  const MetricAnalysis& evals = study.datasets[0].metrics.back();
  ASSERT_EQ(evals.metric, "model_evals");
  // adam: ten runs of 1000 * epochs + 7 and the CSV run's 4321.
  ASSERT_EQ(evals.samples[0].size(), 11u);
  EXPECT_EQ(evals.samples[0].back(), 4321.0);
  EXPECT_EQ(evals.samples[0][0], 5007.0);
  EXPECT_NE(render_markdown(study, {}).find("Evaluations in the study's convention"),
            std::string::npos);
  // Forcing the native convention drops the CSV run's evaluations, with a note.
  AnalysisOptions o;
  o.counting = Counting::kNative;
  const Analysis forced = analyze(runs, o);
  EXPECT_EQ(forced.datasets[0].metrics.back().samples[0].size(), 10u);
  bool noted = false;
  for (const std::string& n : forced.notes)
    noted =
        noted || n.find("no model_evals in the native counting convention") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_TRUE(std::isnan(metric_value(csv.result, "grad_evals", Counting::kStudy)));
  EXPECT_EQ(metric_value(csv.result, "study_evals"), 4321.0);
  EXPECT_THROW(parse_counting("both"), ConfigError);
}

TEST(AnalyzeReference, ToleranceAndVerdictPerMetric) {
  const std::vector<RunRecord> runs = study_runs();
  AnalysisOptions o;
  o.metrics = {"test_acc", "time", "model_evals"};
  const Analysis a = analyze(runs, o);
  const std::string path = (std::filesystem::temp_directory_path() / "nc_ref_test.json").string();
  // adam test_acc: mean 0.9545, std of 0.950..0.959 = 0.003028; sgd mean 0.8045.
  std::ofstream(path) << R"({"source": "a test", "runs": 25, "counting": "study", "datasets": {
      "iris": {"adam": {"test_acc": [0.9550, 0.01], "time": [10.0, 1.0], "model_evals": [9, 1]},
               "sgd": {"test_acc": [0.70, 0.01]}, "lbfgs": {"test_acc": [0.5, 0.1]}}}})";
  const ReferenceComparison c = compare_with_reference(a, path);
  ASSERT_EQ(c.rows.size(), 4u);  // model_evals is skipped: native here, study there
  EXPECT_EQ(c.notes.size(), 1u);
  const ReferenceRow& adam = c.rows[0];
  EXPECT_EQ(adam.metric, "test_acc");
  EXPECT_NEAR(adam.diff, 0.0005, 1e-12);
  const double s = adam.ours.std;
  EXPECT_NEAR(adam.tolerance, 2.6 * std::sqrt(0.01 * 0.01 / 25 + s * s / 10), 1e-15);
  EXPECT_TRUE(adam.within);
  EXPECT_FALSE(c.rows[2].within);   // sgd: 0.8045 against 0.70
  EXPECT_EQ(c.rows[3].ours.n, 0u);  // no such optimizer here
  const std::string md = render_reference_markdown(c);
  EXPECT_NE(md.find("| adam | time | 10 ± 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("x faster"), std::string::npos);
  EXPECT_NE(md.find("test_acc within tolerance: 1 of 2 setups"), std::string::npos) << md;
  // Metrics left out by --metrics get no rows (not "no runs").
  AnalysisOptions only_acc;
  only_acc.metrics = {"test_acc"};
  const ReferenceComparison acc = compare_with_reference(analyze(runs, only_acc), path);
  ASSERT_EQ(acc.rows.size(), 3u);
  for (const ReferenceRow& r : acc.rows) EXPECT_EQ(r.metric, "test_acc");
  std::ofstream(path) << R"({"runs": 25, "datasets": {"iris": {"adam": {"test_acc": [0.9]}}}})";
  try {
    compare_with_reference(a, path);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("datasets.iris.adam.test_acc: expected [mean, std]"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
}

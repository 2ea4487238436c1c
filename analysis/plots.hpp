// The analysis plots, one SVG file each, per dataset:
//   <dataset>_box_test_acc.svg, <dataset>_box_test_loss.svg   box plots per optimizer
//   <dataset>_curve_val_loss.svg, <dataset>_curve_val_acc.svg mean learning curves ± std
//     (while at least half the runs are going; band clipped to the metric's range)
//   <dataset>_time_vs_test_acc.svg                             one point per run
#pragma once
#include <string>
#include <vector>

#include "study.hpp"

namespace neurocma::analysis {

// Mean learning curve of one optimizer: at epoch e (1-based) the mean and
// sample std over the runs whose history has at least e epochs; runs that
// stopped earlier no longer contribute. std is 0 where only one run remains.
struct Curve {
  std::vector<double> epoch, mean, std;
  std::vector<std::size_t> runs;  // how many runs contribute at each epoch
};
Curve mean_curve(const std::vector<RunRecord>& runs,
                 const std::string& metric);  // val_loss|val_acc

// How many leading epochs of c a learning-curve plot draws: those where at
// least half of total_runs are still going. Beyond that the mean is over a
// shrinking minority of long runs and its jumps say nothing about the
// optimizer (one late SGD spike in a single run, say).
std::size_t epochs_to_plot(const Curve& c, std::size_t total_runs);

// The ±std band of a curve, clipped to the metric's range: accuracies to
// [0, 1], losses to [0, inf) (a band below zero loss only misleads).
void curve_band(const Curve& c, const std::string& metric, std::size_t epochs,
                std::vector<double>& lo, std::vector<double>& hi);

// Writes every plot of every dataset into dir (created if missing); returns
// the file paths written. Curves are skipped for groups without history
// (e.g. study CSV inputs).
std::vector<std::string> write_plots(const Analysis& a, const std::string& dir);

// Every file write_plots(a, dir) may write (curves it would skip included),
// so that a caller can check them before anything is written.
std::vector<std::string> plot_paths(const Analysis& a, const std::string& dir);

}  // namespace neurocma::analysis

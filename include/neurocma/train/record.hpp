// What a run records: counters, one record per epoch, the final values, why
// it stopped, and the one table of metrics that the serializer, the HDF5 and
// CSV writers, the run summary and the analysis all iterate.
#pragma once
#include <limits>
#include <string>
#include <vector>

#include "neurocma/core/types.hpp"
#include "neurocma/optim/population.hpp"

namespace neurocma {

// Sample-pass counters. model_evals: single-sample forward passes spent by the
// optimizer; grad_evals: single-sample backward passes; grad_steps: gradient
// steps (mini-batches); metric_samples: forward samples of the metric passes
// that the earlier study's counter includes (see study_evals below).
struct Counters {
  long long model_evals = 0;
  long long grad_evals = 0;
  long long grad_steps = 0;
  long long metric_samples = 0;
  // The earlier study's counter (its model_evals + grad_counter): every sample
  // its loop passes forward -- the optimizer's, one pass of the installed
  // parameters over the training split per epoch for CMA-ES (for SGD/Adam the
  // training forward is that pass), the validation pass of each epoch and the
  // three final evaluations -- plus one per gradient step.
  long long study_evals() const { return model_evals + grad_steps + metric_samples; }
};

// Metrics after one epoch. Train loss/acc are a full pass over the training
// split with the epoch's final parameters (not the running batch average).
struct EpochRecord {
  double time = 0;  // seconds since the run started
  double train_loss = 0, train_acc = 0, val_loss = 0, val_acc = 0;
  long long model_evals = 0, grad_evals = 0;
  long long study_evals = 0;                                    // Counters::study_evals()
  double sigma = std::numeric_limits<double>::quiet_NaN();      // population strategies
  double condition = std::numeric_limits<double>::quiet_NaN();  // where the strategy has one
};

// Why a run ended.
struct RunStop {
  enum class Kind {
    kNone,
    kEarlyStopping,
    kMaxEpochs,
    kOptimizer,
    kDiverged,
    kInterrupted,
    kError
  };
  Kind kind = Kind::kNone;
  StopReason optimizer = StopReason::kNone;  // kOptimizer: the strategy's reason
  std::string detail;                        // kError: the message

  static RunStop of(Kind k) { return RunStop{k, StopReason::kNone, {}}; }
  static RunStop by_optimizer(StopReason r) { return RunStop{Kind::kOptimizer, r, {}}; }
  static RunStop error(const std::string& message) { return RunStop{Kind::kError, {}, message}; }
  // early_stopping | max_epochs | optimizer:<reason> | diverged | interrupted |
  // error: <detail> | "" (kNone): the results file's stop_reason.
  std::string text() const;
  // The inverse of text(); an unknown text is an error stop with that detail.
  static RunStop parse(const std::string& text);
  bool operator==(const RunStop& o) const {
    return kind == o.kind && optimizer == o.optimizer && detail == o.detail;
  }
  bool operator!=(const RunStop& o) const { return !(*this == o); }
};

// Final values of a run. The metric names match the HDF5 schema.
struct RunResult {
  std::vector<EpochRecord> history;
  double time = 0, train_loss = 0, train_acc = 0, val_loss = 0, val_acc = 0;
  double test_loss = 0, test_acc = 0;
  long long model_evals = 0, grad_evals = 0;
  long long study_evals = 0;  // incl. the final evaluation of the three splits
  int epochs = 0;
  int best_epoch = 0;  // 1-based epoch with the best validation loss
  RunStop stop;
  Vector final_params;  // the parameters the test metrics were computed with
};

// Which way a metric improves.
enum class MetricDirection { kLower, kHigher };

// One recorded metric: its name, units and meaning, and where it lives in an
// EpochRecord (per epoch) and in a RunResult (final). Exactly one member
// pointer of each kind is set where the metric exists there.
struct MetricInfo {
  const char* name;
  const char* units;  // "" for a ratio or a count
  const char* description;
  MetricDirection better;
  double EpochRecord::*history = nullptr;
  long long EpochRecord::*history_count = nullptr;
  double RunResult::*final = nullptr;
  long long RunResult::*final_count = nullptr;
  int RunResult::*final_int = nullptr;

  bool in_history() const { return history != nullptr || history_count != nullptr; }
  bool in_final() const {
    return final != nullptr || final_count != nullptr || final_int != nullptr;
  }
  bool is_count() const { return history_count != nullptr || final_count != nullptr; }
  double history_value(const EpochRecord& e) const {
    return history ? e.*history : static_cast<double>(e.*history_count);
  }
  double final_value(const RunResult& r) const {
    if (final) return r.*final;
    if (final_count) return static_cast<double>(r.*final_count);
    return static_cast<double>(r.*final_int);
  }
};

// Every metric, in the order of the results file: time, train_loss,
// train_acc, val_loss, val_acc, test_loss, test_acc, model_evals, grad_evals,
// study_evals, sigma, condition, epochs.
const std::vector<MetricInfo>& run_metrics();
// The metric called `name`, or nullptr.
const MetricInfo* find_metric(const std::string& name);

}  // namespace neurocma

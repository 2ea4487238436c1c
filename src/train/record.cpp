#include "neurocma/train/record.hpp"

namespace neurocma {

std::string RunStop::text() const {
  switch (kind) {
    case Kind::kNone:
      return "";
    case Kind::kEarlyStopping:
      return "early_stopping";
    case Kind::kMaxEpochs:
      return "max_epochs";
    case Kind::kOptimizer:
      return "optimizer:" + to_string(optimizer);
    case Kind::kDiverged:
      return "diverged";
    case Kind::kInterrupted:
      return "interrupted";
    case Kind::kError:
      return "error: " + detail;
  }
  return "";
}

RunStop RunStop::parse(const std::string& text) {
  if (text.empty()) return of(Kind::kNone);
  if (text == "early_stopping") return of(Kind::kEarlyStopping);
  if (text == "max_epochs") return of(Kind::kMaxEpochs);
  if (text == "diverged") return of(Kind::kDiverged);
  if (text == "interrupted") return of(Kind::kInterrupted);
  const std::string opt = "optimizer:";
  if (text.compare(0, opt.size(), opt) == 0) {
    const std::string r = text.substr(opt.size());
    for (StopReason s : {StopReason::kNone, StopReason::kTolFun, StopReason::kTolX,
                         StopReason::kConditionCov, StopReason::kMaxEvals, StopReason::kNoEffect})
      if (to_string(s) == r) return by_optimizer(s);
  }
  const std::string err = "error: ";
  if (text.compare(0, err.size(), err) == 0) return error(text.substr(err.size()));
  return error(text);
}

const std::vector<MetricInfo>& run_metrics() {
  using D = MetricDirection;
  static const std::vector<MetricInfo> table{
      {"time", "s", "wall-clock seconds of training (checkpoint writes excluded)", D::kLower,
       &EpochRecord::time, nullptr, &RunResult::time},
      {"train_loss", "", "mean cross-entropy over the training split", D::kLower,
       &EpochRecord::train_loss, nullptr, &RunResult::train_loss},
      {"train_acc", "", "accuracy over the training split, in [0, 1]", D::kHigher,
       &EpochRecord::train_acc, nullptr, &RunResult::train_acc},
      {"val_loss", "", "mean cross-entropy over the validation split", D::kLower,
       &EpochRecord::val_loss, nullptr, &RunResult::val_loss},
      {"val_acc", "", "accuracy over the validation split, in [0, 1]", D::kHigher,
       &EpochRecord::val_acc, nullptr, &RunResult::val_acc},
      {"test_loss", "", "mean cross-entropy over the test split", D::kLower, nullptr, nullptr,
       &RunResult::test_loss},
      {"test_acc", "", "accuracy over the test split, in [0, 1]", D::kHigher, nullptr, nullptr,
       &RunResult::test_acc},
      {"model_evals", "samples", "single-sample forward passes spent by the optimizer", D::kLower,
       nullptr, &EpochRecord::model_evals, nullptr, &RunResult::model_evals},
      {"grad_evals", "samples", "single-sample backward passes", D::kLower, nullptr,
       &EpochRecord::grad_evals, nullptr, &RunResult::grad_evals},
      {"study_evals", "", "the earlier study's counter (docs/training.md)", D::kLower, nullptr,
       &EpochRecord::study_evals, nullptr, &RunResult::study_evals},
      {"sigma", "", "step size of a population strategy (geometric mean over blocks)", D::kLower,
       &EpochRecord::sigma},
      {"condition", "", "condition number of the strategy's covariance (largest over blocks)",
       D::kLower, &EpochRecord::condition},
      {"epochs", "", "epochs run", D::kLower, nullptr, nullptr, nullptr, nullptr,
       &RunResult::epochs},
  };
  return table;
}

const MetricInfo* find_metric(const std::string& name) {
  for (const MetricInfo& m : run_metrics())
    if (name == m.name) return &m;
  return nullptr;
}

}  // namespace neurocma

// Callbacks plug behaviour into train()'s loop without the loop knowing it
// (ensmallen's EarlyStopAtMinLoss, ProgressBar, ...): early stopping, progress
// reports, checkpoints, signals and the MPI scheduler's polling are each one.
#pragma once
#include <functional>
#include <limits>

#include "neurocma/train/record.hpp"

namespace neurocma {

struct TrainState;

// What the callbacks decided at the end of an epoch.
struct EpochVerdict {
  bool improved = false;   // a new best validation loss (its weights are kept)
  bool converged = false;  // stop: early stopping
  bool interrupt = false;  // stop: "interrupted"
};

class TrainCallback {
 public:
  virtual ~TrainCallback() = default;
  // After each epoch's metrics are recorded (epoch is 1-based).
  virtual void epoch_end(int epoch, const EpochRecord& rec, EpochVerdict& verdict) {
    (void)epoch, (void)rec, (void)verdict;
  }
  // Polled after every mini-batch that leaves the epoch unfinished and after
  // every epoch: true ends the run as "interrupted" (signals, the scheduler).
  virtual bool interrupt() { return false; }
  // Asked right after interrupt() (epoch_end: at an epoch boundary): true has
  // save() called with the loop's state, also when the run is about to end
  // by an interrupt -- a stop always follows a save.
  virtual bool save_due(bool epoch_end, int epochs_done) {
    (void)epoch_end, (void)epochs_done;
    return false;
  }
  virtual void save(const TrainState& st) { (void)st; }
  // The callback's own state inside a checkpoint (TrainState).
  virtual void store(TrainState& st) const { (void)st; }
  virtual void restore(const TrainState& st) { (void)st; }
};

// Stop when the validation loss has not improved by more than min_delta for
// `patience` consecutive epochs; an epoch that improves is the new best.
class EarlyStopping : public TrainCallback {
 public:
  EarlyStopping(int patience, double min_delta) : m_patience(patience), m_min_delta(min_delta) {}
  // Returns true when training should stop. `improved()` tells whether this
  // epoch set a new best.
  bool update(double val_loss);
  bool improved() const { return m_improved; }
  double best() const { return m_best; }
  int bad_epochs() const { return m_bad; }
  void set(double best, int bad) {
    m_best = best;
    m_bad = bad;
  }
  void epoch_end(int epoch, const EpochRecord& rec, EpochVerdict& verdict) override;
  void store(TrainState& st) const override;
  void restore(const TrainState& st) override;

 private:
  int m_patience;
  double m_min_delta;
  double m_best = std::numeric_limits<double>::infinity();
  int m_bad = 0;
  bool m_improved = false;
};

// Calls `f(epoch, record)` after each epoch; false from f interrupts the run.
class EpochReport : public TrainCallback {
 public:
  explicit EpochReport(std::function<bool(int, const EpochRecord&)> f) : m_f(std::move(f)) {}
  void epoch_end(int epoch, const EpochRecord& rec, EpochVerdict& verdict) override {
    if (m_f && !m_f(epoch, rec)) verdict.interrupt = true;
  }

 private:
  std::function<bool(int, const EpochRecord&)> m_f;
};

}  // namespace neurocma

namespace neurocma {

// A callback made of functions (each optional), for tests and small tools.
class FunctionCallback : public TrainCallback {
 public:
  std::function<bool()> on_interrupt;
  std::function<bool(bool epoch_end, int epochs_done)> on_save_due;
  std::function<void(const TrainState&)> on_save;
  bool interrupt() override { return on_interrupt && on_interrupt(); }
  bool save_due(bool epoch_end, int epochs_done) override {
    return on_save_due && on_save_due(epoch_end, epochs_done);
  }
  void save(const TrainState& st) override {
    if (on_save) on_save(st);
  }
};

}  // namespace neurocma

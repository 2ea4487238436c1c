// One training loop for gradient and ask/tell optimizers. An epoch is one pass
// of shuffled mini-batches over the training set; after it the metrics are
// recorded and early stopping is checked.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "neurocma/core/peer_rng.hpp"
#include "neurocma/core/rng.hpp"
#include "neurocma/data/dataset.hpp"
#include "neurocma/model/loss.hpp"
#include "neurocma/model/mlp.hpp"
#include "neurocma/optim/cmaes.hpp"
#include "neurocma/optim/gradient.hpp"
#include "neurocma/train/evaluator.hpp"

namespace neurocma {

// Named arrays of doubles: the checkpoint form of optimizer state.
using StateMap = std::map<std::string, std::vector<double>>;

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
  long long study_evals = 0;                                     // Counters::study_evals()
  double sigma = std::numeric_limits<double>::quiet_NaN();      // CMA-ES only
  double condition = std::numeric_limits<double>::quiet_NaN();  // CMA-ES full/sep
};

// Final values of a run. The metric names match the HDF5 schema.
struct RunResult {
  std::vector<EpochRecord> history;
  double time = 0, train_loss = 0, train_acc = 0, val_loss = 0, val_acc = 0;
  double test_loss = 0, test_acc = 0;
  long long model_evals = 0, grad_evals = 0;
  long long study_evals = 0;  // incl. the final evaluation of the three splits
  int epochs = 0;
  int best_epoch = 0;       // 1-based epoch with the best validation loss
  std::string stop_reason;  // early_stopping | max_epochs | optimizer:<reason> | diverged
  Vector final_params;      // the parameters the test metrics were computed with
};

// Early stopping (a callback in spirit): stop when val loss has not improved
// by more than min_delta for `patience` consecutive epochs.
class EarlyStopping {
 public:
  EarlyStopping(int patience, double min_delta) : m_patience(patience), m_min_delta(min_delta) {}
  // Returns true when training should stop. `improved()` tells whether this
  // epoch set a new best.
  bool update(double val_loss);
  bool improved() const { return m_improved; }
  double best() const { return m_best; }
  int bad_epochs() const { return m_bad; }
  // State for checkpoints.
  void set(double best, int bad) {
    m_best = best;
    m_bad = bad;
  }

 private:
  int m_patience;
  double m_min_delta;
  double m_best = std::numeric_limits<double>::infinity();
  int m_bad = 0;
  bool m_improved = false;
};

// Which weights the final metrics are computed with.
enum class TestOn {
  kBest,              // the best validation loss
  kLast,              // the last epoch's
  kBestOnEarlyStop,   // the best when early stopping ended the run, else the last (the study)
};
TestOn parse_test_on(const std::string& s);  // best | last | best_on_early_stop

struct TrainSettings {
  Index batch_size = 64;
  int max_epochs = 100;
  int patience = 3;
  double min_delta = 0.0;
  TestOn test_on = TestOn::kBest;
};

// How one mini-batch is turned into a parameter update.
class TrainingMethod {
 public:
  virtual ~TrainingMethod() = default;
  // Batch size this method draws per step (0 = the run's batch_size).
  virtual Index batch_size() const { return 0; }
  virtual void train_batch(Vector& params, const Batch& batch, Counters& counters) = 0;
  // Called before the first mini-batch of every epoch with the parameters then.
  virtual void begin_epoch(const Eigen::Ref<const Vector>& params) { (void)params; }
  // Whether the method follows gradients (its mini-batch forward pass is then
  // the study's per-batch training pass, see Counters::study_evals()).
  virtual bool gradient_based() const { return false; }
  // Diagnostics recorded per epoch.
  virtual double sigma() const { return std::numeric_limits<double>::quiet_NaN(); }
  virtual double condition() const { return std::numeric_limits<double>::quiet_NaN(); }
  // Non-empty when the optimizer itself asks to stop (e.g. CMA-ES tolx).
  virtual std::string stop_reason() const { return {}; }
  // Complete optimizer state as named arrays, for checkpoints. Taken between
  // two train_batch() calls; set_state() on a method built from the same
  // config makes it continue bit-identically. Throws RuntimeError on a state
  // that does not fit.
  virtual StateMap state() const = 0;
  virtual void set_state(const StateMap& s) = 0;
};

// Gradient descent with any GradientOptimizer.
class GradientMethod : public TrainingMethod {
 public:
  GradientMethod(const Mlp& mlp, std::unique_ptr<GradientOptimizer> opt)
      : m_mlp(mlp), m_opt(std::move(opt)) {}
  void train_batch(Vector& params, const Batch& batch, Counters& counters) override;
  bool gradient_based() const override { return true; }
  StateMap state() const override;
  void set_state(const StateMap& s) override;
  GradientOptimizer& optimizer() { return *m_opt; }

 private:
  const Mlp& m_mlp;
  std::unique_ptr<GradientOptimizer> m_opt;
  Matrix m_x;
  std::vector<int> m_y;
  Vector m_grad;
};

enum class Selection { kMean, kBest };

// What the other blocks hold while one block's candidates are evaluated.
enum class BlockContext {
  kCurrent,     // their current values
  kEpochStart,  // the study's quirk: block 0 sees the current values, every
                // later block the values at the start of the epoch
};

// The fitness told to CMA-ES.
enum class FitnessScale {
  kMean,           // mean loss over the batch
  kMeanOverBatch,  // the study's: that mean divided by the batch size again
};

struct CmaMethodOptions {
  CmaOptions cma;
  std::vector<ParamBlock> blocks;  // partition of [0, n); one CMA-ES per block
  Index batch_size = 0;            // per generation; 0 = the run's batch_size
  Selection select = Selection::kMean;
  BlockContext context = BlockContext::kCurrent;
  FitnessScale fitness = FitnessScale::kMean;
};

// One CMA-ES per block. For each mini-batch every block samples candidates for
// its own parameters while the other blocks stay at their current means (or,
// with BlockContext::kEpochStart, at their epoch-start values); all
// candidates are evaluated on the same batch, then all blocks are told at once.
class CmaMethod : public TrainingMethod {
 public:
  CmaMethod(const Mlp& mlp, const Eigen::Ref<const Vector>& params0, const CmaMethodOptions& opt,
            Rng rng, PopulationEvaluator& evaluator);
  Index batch_size() const override { return m_opt.batch_size; }
  void train_batch(Vector& params, const Batch& batch, Counters& counters) override;
  void begin_epoch(const Eigen::Ref<const Vector>& params) override;
  double sigma() const override;
  double condition() const override;
  std::string stop_reason() const override;
  StateMap state() const override;
  void set_state(const StateMap& s) override;
  std::vector<CmaEs>& strategies() { return m_es; }

 private:
  const Mlp& m_mlp;
  CmaMethodOptions m_opt;
  std::vector<CmaEs> m_es;
  PopulationEvaluator& m_eval;
  std::vector<Matrix> m_block_cand;
  std::vector<Vector> m_fitness_per_block;
  Matrix m_full_cand;
  Vector m_epoch_start;  // BlockContext::kEpochStart only
};

// The order in which each epoch visits the training samples.
class EpochOrder {
 public:
  virtual ~EpochOrder() = default;
  // Replaces `order` (the previous epoch's, n entries) by the next epoch's.
  virtual void next(std::vector<Index>& order) = 0;
  // The generator state, for checkpoints.
  virtual std::vector<std::uint64_t> state() const = 0;
  virtual void set_state(const std::vector<std::uint64_t>& s) = 0;
};

// neurocma's order: the previous epoch's order shuffled again with an Rng.
class RngOrder : public EpochOrder {
 public:
  explicit RngOrder(Rng& rng) : m_rng(rng) {}
  void next(std::vector<Index>& order) override;
  std::vector<std::uint64_t> state() const override;
  void set_state(const std::vector<std::uint64_t>& s) override;

 private:
  Rng& m_rng;
};

// The study's order: torch.utils.data.DataLoader(shuffle=True) draws a seed
// from the global torch generator each epoch and takes randperm(n) of a
// generator seeded with it.
class TorchOrder : public EpochOrder {
 public:
  explicit TorchOrder(TorchGenerator& global) : m_global(global) {}
  void next(std::vector<Index>& order) override;
  std::vector<std::uint64_t> state() const override { return m_global.engine().state(); }
  void set_state(const std::vector<std::uint64_t>& s) override { m_global.engine().set_state(s); }

 private:
  TorchGenerator& m_global;
};

// Called after each epoch with the epoch index (1-based) and its record.
// Returning false stops the run (reason "interrupted").
using EpochCallback = std::function<bool(int epoch, const EpochRecord&)>;

// Everything train() needs to continue a run exactly where it was taken: at an
// epoch boundary (batch_start == 0) or between two mini-batches.
struct TrainState {
  int epoch = 0;             // completed epochs
  Index batch_start = 0;     // offset of the next mini-batch in `order`; 0 = epoch not begun
  std::vector<Index> order;  // the data order of the current (or last) epoch
  Vector params, best_params;
  double stop_best = std::numeric_limits<double>::infinity();  // EarlyStopping state
  int stop_bad = 0;
  Counters counters;
  std::vector<EpochRecord> history;
  int best_epoch = 0;
  double elapsed = 0;  // seconds of training before the state was taken
  std::vector<std::uint64_t> order_state;  // EpochOrder::state()
  StateMap method;  // TrainingMethod::state()
};

// Optional behaviour of train() beyond the plain loop.
struct TrainHooks {
  EpochCallback on_epoch;
  // Continue from this state instead of starting at params0 (the method must
  // be freshly built from the same config; its state is restored from here).
  const TrainState* resume = nullptr;
  // Asked after every mini-batch that leaves the epoch unfinished
  // (epoch_end = false) and after every epoch the run goes on from or is
  // interrupted at (epoch_end = true). Returning true has save() called.
  std::function<bool(bool epoch_end, int epochs_done)> checkpoint_due;
  std::function<void(const TrainState&)> save;
  // Polled after every mini-batch, just before checkpoint_due(): true ends
  // the run, after that save if one is due, with stop_reason "interrupted".
  std::function<bool()> stop_now;
};

// Full-pass loss and accuracy of params on a data set (chunked, double precision).
LossAcc evaluate_dataset(const Mlp& mlp, const Eigen::Ref<const Vector>& params,
                         const Dataset& data);

// Trains from params0. `order` (or an RngOrder over shuffle_rng) orders the
// mini-batches of each epoch. A run stopped
// before its first epoch ended (hooks.stop_now) returns stop_reason
// "interrupted" with an empty history and no final metrics.
RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                EpochOrder& order, const TrainHooks& hooks);
RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                Rng& shuffle_rng, const TrainHooks& hooks);
RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                Rng& shuffle_rng, const EpochCallback& on_epoch = {});

}  // namespace neurocma

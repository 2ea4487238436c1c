// One training loop for gradient and population methods. An epoch is one pass
// of ordered mini-batches over the training set; after it the metrics are
// recorded and the callbacks (early stopping first) decide whether to go on.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "neurocma/core/rng.hpp"
#include "neurocma/core/state.hpp"
#include "neurocma/data/dataset.hpp"
#include "neurocma/model/loss.hpp"
#include "neurocma/model/mlp.hpp"
#include "neurocma/train/callbacks.hpp"
#include "neurocma/train/epoch_order.hpp"
#include "neurocma/train/method.hpp"
#include "neurocma/train/record.hpp"

namespace neurocma {

// Which weights the final metrics are computed with.
enum class TestOn {
  kBest,             // the best validation loss
  kLast,             // the last epoch's
  kBestOnEarlyStop,  // the best when early stopping ended the run, else the last (the study)
};
TestOn parse_test_on(const std::string& s);  // best | last | best_on_early_stop
std::string to_string(TestOn t);

struct TrainSettings {
  Index batch_size = 64;
  int max_epochs = 100;
  int patience = 3;  // early stopping (the first callback)
  double min_delta = 0.0;
  TestOn test_on = TestOn::kBest;
};

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
  double elapsed = 0;                      // seconds of training before the state was taken
  std::vector<std::uint64_t> order_state;  // EpochOrder::state()
  StateMap method;                         // TrainingMethod::state()
};

// Full-pass loss and accuracy of params on a data set (chunked, double precision).
LossAcc evaluate_dataset(const Mlp& mlp, const Eigen::Ref<const Vector>& params,
                         const Dataset& data);

// Trains from params0, or from `resume` (a state taken by a save() of a run
// of the same config; the method must be freshly built). `order` orders the
// mini-batches of each epoch. The callbacks run after EarlyStopping(patience,
// min_delta), in the order given. A run stopped before its first epoch ended
// returns stop kind kInterrupted with an empty history and no final metrics.
RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                EpochOrder& order, const std::vector<TrainCallback*>& callbacks = {},
                const TrainState* resume = nullptr);
// The same with neurocma's order from shuffle_rng.
RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                Rng& shuffle_rng, const std::vector<TrainCallback*>& callbacks = {},
                const TrainState* resume = nullptr);

}  // namespace neurocma

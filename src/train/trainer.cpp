#include "neurocma/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

#include "neurocma/core/error.hpp"

namespace neurocma {

TestOn parse_test_on(const std::string& s) {
  if (s == "best") return TestOn::kBest;
  if (s == "last") return TestOn::kLast;
  if (s == "best_on_early_stop") return TestOn::kBestOnEarlyStop;
  throw ConfigError("train.test_on '" + s + "': expected best, last or best_on_early_stop");
}

std::string to_string(TestOn t) {
  switch (t) {
    case TestOn::kBest:
      return "best";
    case TestOn::kLast:
      return "last";
    case TestOn::kBestOnEarlyStop:
      return "best_on_early_stop";
  }
  return "?";
}

LossAcc evaluate_dataset(const Mlp& mlp, const Eigen::Ref<const Vector>& params,
                         const Dataset& data) {
  // Chunks keep the activations small; the loss is a sample-weighted mean.
  const Index chunk = 4096, n = data.size();
  double loss = 0.0, correct = 0.0;
  Matrix logits;
  std::vector<int> y;
  for (Index start = 0; start < n; start += chunk) {
    const Index count = std::min(chunk, n - start);
    mlp.forward(params, data.X.middleCols(start, count), logits);
    y.assign(data.y.begin() + start, data.y.begin() + start + count);
    const LossAcc la = cross_entropy(logits, y, mlp.spec().output_kind);
    loss += la.loss * static_cast<double>(count);
    correct += la.accuracy * static_cast<double>(count);
  }
  LossAcc out;
  if (n > 0) {
    out.loss = loss / static_cast<double>(n);
    out.accuracy = correct / static_cast<double>(n);
  }
  return out;
}

RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                Rng& shuffle_rng, const std::vector<TrainCallback*>& callbacks,
                const TrainState* resume) {
  RngOrder order(shuffle_rng);
  return train(mlp, splits, method, settings, params0, order, callbacks, resume);
}

RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                EpochOrder& epoch_order, const std::vector<TrainCallback*>& callbacks,
                const TrainState* resume) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point t0 = Clock::now();
  const Dataset& train_set = splits.train;
  const Index n = train_set.size();
  const Index batch_size = method.batch_size() > 0 ? method.batch_size() : settings.batch_size;

  EarlyStopping stopper(settings.patience, settings.min_delta);
  std::vector<TrainCallback*> cbs{&stopper};
  cbs.insert(cbs.end(), callbacks.begin(), callbacks.end());

  // The loop's whole state lives in `st`, so that a checkpoint is a copy of it.
  TrainState st;
  if (resume != nullptr) {
    st = *resume;
    if (st.order.size() != static_cast<size_t>(n) || st.params.size() != params0.size() ||
        st.best_params.size() != params0.size() || st.batch_start < 0 || st.batch_start >= n ||
        st.epoch < 0 || st.history.size() != static_cast<size_t>(st.epoch))
      throw RuntimeError("checkpoint state does not fit this run (data or model size differs)");
    method.set_state(st.method);
    epoch_order.set_state(st.order_state);
    for (TrainCallback* cb : cbs) cb->restore(st);
  } else {
    st.order.resize(static_cast<size_t>(n));
    std::iota(st.order.begin(), st.order.end(), Index{0});
    st.params = params0;
    st.best_params = params0;
  }
  // Run time excludes the time spent writing checkpoints, so that a
  // checkpointed run reports the same kind of time as one that is not.
  const double elapsed0 = st.elapsed;
  double saving = 0.0;
  auto seconds = [&] {
    return elapsed0 + std::chrono::duration<double>(Clock::now() - t0).count() - saving;
  };
  auto save = [&](TrainCallback& to) {
    const Clock::time_point s0 = Clock::now();
    for (const TrainCallback* cb : cbs) cb->store(st);
    st.elapsed = seconds();
    st.order_state = epoch_order.state();
    st.method = method.state();
    to.save(st);
    saving += std::chrono::duration<double>(Clock::now() - s0).count();
  };

  // After a mini-batch (epoch_end false) or an epoch: asks the callbacks
  // whether to interrupt (unless `stop` is already decided), then saves if a
  // checkpoint is due and `may_save`. In this order a signal landing between
  // the two calls still finds save_due() true: a stop always follows a save
  // (in the other order it sometimes left no job state at all).
  auto poll = [&](bool epoch_end, bool may_save, bool stop) {
    bool stop_now = stop;
    for (TrainCallback* cb : cbs) stop_now = stop_now || cb->interrupt();
    if (may_save)
      for (TrainCallback* cb : cbs)
        if (cb->save_due(epoch_end, st.epoch)) save(*cb);
    return stop_now;
  };

  RunResult result;
  RunStop reason = RunStop::of(RunStop::Kind::kMaxEpochs);
  bool stopped_mid_epoch = false;
  while (st.epoch < settings.max_epochs) {
    if (st.batch_start == 0) {
      epoch_order.next(st.order);
      method.begin_epoch(st.params);
    }
    bool diverged = false;
    for (Index start = st.batch_start; start < n; start += batch_size) {
      const Batch batch{&train_set, st.order.data() + start, std::min(batch_size, n - start)};
      method.train_batch(st.params, batch, st.counters);
      if (!st.params.allFinite()) {
        diverged = true;
        break;
      }
      if (start + batch_size < n) {
        st.batch_start = start + batch_size;
        if (poll(false, true, false)) {
          stopped_mid_epoch = true;
          break;
        }
      }
    }
    if (stopped_mid_epoch) break;
    st.batch_start = 0;
    ++st.epoch;
    EpochRecord rec;
    const LossAcc tr = evaluate_dataset(mlp, st.params, train_set);
    const LossAcc va = evaluate_dataset(mlp, st.params, splits.val);
    rec.train_loss = tr.loss;
    rec.train_acc = tr.accuracy;
    rec.val_loss = va.loss;
    rec.val_acc = va.accuracy;
    // The study's counter: the validation pass, and for a population method
    // the pass of the installed parameters over the training split.
    st.counters.metric_samples += splits.val.size() + (method.gradient_based() ? 0 : n);
    rec.model_evals = st.counters.model_evals;
    rec.grad_evals = st.counters.grad_evals;
    rec.study_evals = st.counters.study_evals();
    const Diagnostics diag = method.diagnostics();
    rec.sigma = diag.sigma;
    rec.condition = diag.condition;
    rec.time = seconds();
    st.history.push_back(rec);
    EpochVerdict verdict;
    for (TrainCallback* cb : cbs) cb->epoch_end(st.epoch, rec, verdict);
    if (verdict.improved || st.best_epoch == 0) {
      st.best_params = st.params;
      st.best_epoch = st.epoch;
    }
    if (diverged) {
      reason = RunStop::of(RunStop::Kind::kDiverged);
      break;
    }
    const StopReason opt_stop = method.stop();
    const bool finished =
        verdict.converged || opt_stop != StopReason::kNone || st.epoch >= settings.max_epochs;
    if (poll(true, !finished, verdict.interrupt)) {
      reason = RunStop::of(RunStop::Kind::kInterrupted);
      break;
    }
    if (verdict.converged) {
      reason = RunStop::of(RunStop::Kind::kEarlyStopping);
      break;
    }
    if (opt_stop != StopReason::kNone) {
      reason = RunStop::by_optimizer(opt_stop);
      break;
    }
  }

  result.history = std::move(st.history);
  result.best_epoch = st.best_epoch;
  result.stop = stopped_mid_epoch ? RunStop::of(RunStop::Kind::kInterrupted) : reason;
  result.epochs = static_cast<int>(result.history.size());
  result.model_evals = st.counters.model_evals;
  result.study_evals = st.counters.study_evals();
  result.grad_evals = st.counters.grad_evals;
  if (result.history.empty()) {
    result.time = seconds();
    return result;
  }
  const bool use_best =
      result.best_epoch > 0 &&
      (settings.test_on == TestOn::kBest || (settings.test_on == TestOn::kBestOnEarlyStop &&
                                             result.stop.kind == RunStop::Kind::kEarlyStopping));
  const EpochRecord& chosen =
      use_best ? result.history[static_cast<size_t>(result.best_epoch - 1)] : result.history.back();
  result.final_params = use_best ? st.best_params : st.params;
  result.train_loss = chosen.train_loss;
  result.train_acc = chosen.train_acc;
  result.val_loss = chosen.val_loss;
  result.val_acc = chosen.val_acc;
  const LossAcc te = evaluate_dataset(mlp, result.final_params, splits.test);
  result.test_loss = te.loss;
  result.test_acc = te.accuracy;
  // The study's three final evaluations (train, validation, test).
  st.counters.metric_samples += n + splits.val.size() + splits.test.size();
  result.study_evals = st.counters.study_evals();
  result.time = seconds();
  return result;
}

}  // namespace neurocma

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

bool EarlyStopping::update(double val_loss) {
  // An epoch improves when it beats the best so far by more than min_delta.
  m_improved = val_loss < m_best - m_min_delta;
  if (m_improved) {
    m_best = val_loss;
    m_bad = 0;
  } else {
    ++m_bad;
  }
  return m_bad >= m_patience;
}

void GradientMethod::train_batch(Vector& params, const Batch& batch, Counters& counters) {
  gather_batch(batch, m_x, m_y);
  m_mlp.loss_and_gradient(params, m_x, m_y, m_grad);
  counters.model_evals += batch.count;
  counters.grad_evals += batch.count;
  counters.grad_steps += 1;
  m_opt->step(params, m_grad);
}

CmaMethod::CmaMethod(const Mlp& mlp, const Eigen::Ref<const Vector>& params0,
                     const CmaMethodOptions& opt, Rng rng, PopulationEvaluator& evaluator)
    : m_mlp(mlp), m_opt(opt), m_eval(evaluator) {
  Index covered = 0;
  for (const ParamBlock& b : m_opt.blocks) {
    if (b.begin != covered || b.size <= 0)
      throw ConfigError("blocks: expected consecutive non-empty blocks covering all " +
                        std::to_string(mlp.num_params()) + " parameters");
    covered += b.size;
  }
  if (covered != mlp.num_params())
    throw ConfigError("blocks: the block sizes sum to " + std::to_string(covered) +
                      ", expected the number of parameters " + std::to_string(mlp.num_params()));
  for (size_t bi = 0; bi < m_opt.blocks.size(); ++bi) {
    const ParamBlock& b = m_opt.blocks[bi];
    validate(m_opt.cma, b.size);
    // Each block gets its own stream derived from the run's optimizer stream.
    Rng block_rng(rng(), bi, Stream::kOptimizer);
    m_es.emplace_back(params0.segment(b.begin, b.size), m_opt.cma, block_rng);
  }
}

void CmaMethod::begin_epoch(const Eigen::Ref<const Vector>& params) {
  if (m_opt.context == BlockContext::kEpochStart) m_epoch_start = params;
}

void CmaMethod::train_batch(Vector& params, const Batch& batch, Counters& counters) {
  // Sample every block around the current parameters (others fixed), evaluate
  // all on the same batch, then update all blocks at once.
  if (m_opt.context == BlockContext::kEpochStart && m_epoch_start.size() != params.size())
    throw RuntimeError("CmaMethod: block_context epoch_start needs begin_epoch() first");
  std::vector<Vector>& fitness = m_fitness_per_block;
  std::vector<Matrix>& block_cand = m_block_cand;
  fitness.resize(m_es.size());
  block_cand.resize(m_es.size());
  for (size_t bi = 0; bi < m_es.size(); ++bi) {
    const ParamBlock& b = m_opt.blocks[bi];
    const Index lambda = m_es[bi].popsize();
    if (m_es.size() == 1 && m_es[bi].shares_samples()) {
      // Whole-model sep: the evaluator gets the recipe; under MPI each rank
      // draws and evaluates its own columns (same numbers as ask()).
      if (fitness[bi].size() != lambda) fitness[bi].resize(lambda);
      CmaGeneration generation(m_es[bi]);
      generation.begin();
      m_eval.evaluate_shared(generation, batch, fitness[bi]);
      counters.model_evals += lambda * batch.count;
      continue;
    }
    if (block_cand[bi].cols() != lambda) block_cand[bi].resize(b.size, lambda);
    m_es[bi].ask(block_cand[bi]);
    if (m_es.size() == 1) {
      if (fitness[bi].size() != lambda) fitness[bi].resize(lambda);
      m_eval.evaluate(block_cand[bi], batch, fitness[bi]);
    } else {
      if (m_full_cand.rows() != params.size() || m_full_cand.cols() != lambda)
        m_full_cand.resize(params.size(), lambda);
      // The study (BlockContext::kEpochStart) reset the model to its
      // epoch-start values after each block was told, so only block 0 saw the
      // current values.
      const bool epoch_start = m_opt.context == BlockContext::kEpochStart && bi > 0;
      m_full_cand.colwise() = epoch_start ? m_epoch_start : params;
      m_full_cand.middleRows(b.begin, b.size) = block_cand[bi];
      if (fitness[bi].size() != lambda) fitness[bi].resize(lambda);
      m_eval.evaluate(m_full_cand, batch, fitness[bi]);
    }
    counters.model_evals += lambda * batch.count;
  }
  if (m_opt.fitness == FitnessScale::kMeanOverBatch)
    for (Vector& f : fitness) f /= static_cast<double>(batch.count);
  for (size_t bi = 0; bi < m_es.size(); ++bi) {
    m_es[bi].tell(fitness[bi]);
    const ParamBlock& b = m_opt.blocks[bi];
    if (m_opt.select == Selection::kMean) {
      params.segment(b.begin, b.size) = m_es[bi].mean();
    } else {
      // The study's behaviour: install the best sample seen so far.
      params.segment(b.begin, b.size) = m_es[bi].best_x();
    }
  }
}

double CmaMethod::sigma() const {
  // Geometric mean over blocks (the single sigma for whole-model CMA-ES).
  double s = 0.0;
  for (const CmaEs& es : m_es) s += std::log(es.sigma());
  return std::exp(s / static_cast<double>(m_es.size()));
}

double CmaMethod::condition() const {
  double c = std::numeric_limits<double>::quiet_NaN();
  for (const CmaEs& es : m_es) {
    // MA-ES (full form "matrix") only has cond(M M^T) at O(n^3): skip it for
    // large blocks rather than spend minutes per epoch on a diagnostic.
    if (es.full_form() == CmaFullForm::kMatrix && es.dim() > 1000 &&
        m_opt.cma.variant == CmaVariant::kFull)
      continue;
    const double ci = es.condition();
    if (std::isfinite(ci) && !(c >= ci)) c = ci;
  }
  return c;
}

std::string CmaMethod::stop_reason() const {
  for (const CmaEs& es : m_es)
    if (es.stop() != CmaStop::kNone) return "optimizer:" + to_string(es.stop());
  return {};
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

namespace {

std::vector<double> to_std(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}

Vector to_vector(const std::vector<double>& v) {
  return Eigen::Map<const Vector>(v.data(), static_cast<Index>(v.size()));
}

const std::vector<double>& state_entry(const StateMap& s, const std::string& key) {
  const auto it = s.find(key);
  if (it == s.end()) throw RuntimeError("optimizer state: missing array '" + key + "'");
  return it->second;
}

}  // namespace

StateMap GradientMethod::state() const {
  StateMap s;
  const std::vector<Vector> st = m_opt->state();
  for (size_t i = 0; i < st.size(); ++i) s["opt" + std::to_string(i)] = to_std(st[i]);
  return s;
}

void GradientMethod::set_state(const StateMap& s) {
  std::vector<Vector> st;
  for (size_t i = 0; s.count("opt" + std::to_string(i)) != 0; ++i)
    st.push_back(to_vector(s.at("opt" + std::to_string(i))));
  if (st.size() != s.size())
    throw RuntimeError("optimizer state: expected arrays opt0, opt1, ... for a gradient method");
  m_opt->set_state(st);
}

StateMap CmaMethod::state() const {
  StateMap s;
  s["blocks"] = {static_cast<double>(m_es.size())};
  if (m_opt.context == BlockContext::kEpochStart) s["epoch_start"] = to_std(m_epoch_start);
  for (size_t bi = 0; bi < m_es.size(); ++bi)
    for (auto& [key, value] : m_es[bi].state())
      s["b" + std::to_string(bi) + "/" + key] = std::move(value);
  return s;
}

void CmaMethod::set_state(const StateMap& s) {
  const std::vector<double>& blocks = state_entry(s, "blocks");
  if (blocks.size() != 1 || blocks[0] != static_cast<double>(m_es.size()))
    throw RuntimeError("optimizer state: holds " +
                       (blocks.empty() ? std::string("no") : std::to_string(blocks[0])) +
                       " CMA-ES blocks, expected " + std::to_string(m_es.size()));
  for (size_t bi = 0; bi < m_es.size(); ++bi) {
    const std::string prefix = "b" + std::to_string(bi) + "/";
    StateMap block;
    for (auto it = s.lower_bound(prefix); it != s.end() && it->first.rfind(prefix, 0) == 0; ++it)
      block[it->first.substr(prefix.size())] = it->second;
    m_es[bi].set_state(block);
  }
  if (m_opt.context == BlockContext::kEpochStart) m_epoch_start = to_vector(state_entry(s, "epoch_start"));
}

RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                Rng& shuffle_rng, const EpochCallback& on_epoch) {
  TrainHooks hooks;
  hooks.on_epoch = on_epoch;
  return train(mlp, splits, method, settings, params0, shuffle_rng, hooks);
}

void RngOrder::next(std::vector<Index>& order) { shuffle(order.begin(), order.end(), m_rng); }

std::vector<std::uint64_t> RngOrder::state() const {
  const auto s = m_rng.state();
  return std::vector<std::uint64_t>(s.begin(), s.end());
}

void RngOrder::set_state(const std::vector<std::uint64_t>& s) {
  std::array<std::uint64_t, 6> a{};
  if (s.size() != a.size())
    throw RuntimeError("shuffle state: expected " + std::to_string(a.size()) + " numbers, got " +
                       std::to_string(s.size()));
  std::copy(s.begin(), s.end(), a.begin());
  m_rng.set_state(a);
}

void TorchOrder::next(std::vector<Index>& order) {
  TorchGenerator local(static_cast<std::uint64_t>(m_global.random_int64()));
  const std::vector<std::int64_t> perm = local.randperm(static_cast<std::int64_t>(order.size()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<Index>(perm[i]);
}

RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                Rng& shuffle_rng, const TrainHooks& hooks) {
  RngOrder order(shuffle_rng);
  return train(mlp, splits, method, settings, params0, order, hooks);
}

RunResult train(const Mlp& mlp, const Splits& splits, TrainingMethod& method,
                const TrainSettings& settings, const Eigen::Ref<const Vector>& params0,
                EpochOrder& epoch_order, const TrainHooks& hooks) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point t0 = Clock::now();
  const Dataset& train_set = splits.train;
  const Index n = train_set.size();
  const Index batch_size = method.batch_size() > 0 ? method.batch_size() : settings.batch_size;

  // The loop's whole state lives in `st`, so that a checkpoint is a copy of it.
  TrainState st;
  if (hooks.resume != nullptr) {
    st = *hooks.resume;
    if (st.order.size() != static_cast<size_t>(n) || st.params.size() != params0.size() ||
        st.best_params.size() != params0.size() || st.batch_start < 0 || st.batch_start >= n ||
        st.epoch < 0 || st.history.size() != static_cast<size_t>(st.epoch))
      throw RuntimeError("checkpoint state does not fit this run (data or model size differs)");
    method.set_state(st.method);
    epoch_order.set_state(st.order_state);
  } else {
    st.order.resize(static_cast<size_t>(n));
    std::iota(st.order.begin(), st.order.end(), Index{0});
    st.params = params0;
    st.best_params = params0;
  }
  EarlyStopping stopper(settings.patience, settings.min_delta);
  stopper.set(st.stop_best, st.stop_bad);
  // Run time excludes the time spent writing checkpoints, so that a
  // checkpointed run reports the same kind of time as one that is not.
  const double elapsed0 = st.elapsed;
  double saving = 0.0;
  auto seconds = [&] {
    return elapsed0 + std::chrono::duration<double>(Clock::now() - t0).count() - saving;
  };
  auto save = [&] {
    if (!hooks.save) return;
    const Clock::time_point s0 = Clock::now();
    st.stop_best = stopper.best();
    st.stop_bad = stopper.bad_epochs();
    st.elapsed = seconds();
    st.order_state = epoch_order.state();
    st.method = method.state();
    hooks.save(st);
    saving += std::chrono::duration<double>(Clock::now() - s0).count();
  };

  // After a mini-batch (epoch_end false) or an epoch: saves if a checkpoint
  // is due and `may_save`, and says whether to stop (`stop` already decided,
  // or stop_now()). stop_now() is asked first, so a signal landing between
  // the two calls still finds checkpoint_due() true: a stop always follows a
  // save (in the other order it sometimes left no job state at all).
  auto save_then_stop = [&](bool epoch_end, bool may_save, bool stop) {
    const bool stop_now = stop || (hooks.stop_now && hooks.stop_now());
    if (may_save && hooks.checkpoint_due && hooks.checkpoint_due(epoch_end, st.epoch)) save();
    return stop_now;
  };

  RunResult result;
  std::string reason = "max_epochs";
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
        if (save_then_stop(false, true, false)) {
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
    rec.sigma = method.sigma();
    rec.condition = method.condition();
    rec.time = seconds();
    st.history.push_back(rec);
    const bool stop =
        stopper.update(std::isfinite(va.loss) ? va.loss : std::numeric_limits<double>::infinity());
    if (stopper.improved() || st.best_epoch == 0) {
      st.best_params = st.params;
      st.best_epoch = st.epoch;
    }
    const bool keep_going = !hooks.on_epoch || hooks.on_epoch(st.epoch, rec);
    if (diverged) {
      reason = "diverged";
      break;
    }
    const std::string opt_reason = method.stop_reason();
    const bool finished = stop || !opt_reason.empty() || st.epoch >= settings.max_epochs;
    if (save_then_stop(true, !finished, !keep_going)) {
      reason = "interrupted";
      break;
    }
    if (stop) {
      reason = "early_stopping";
      break;
    }
    if (!opt_reason.empty()) {
      reason = opt_reason;
      break;
    }
  }

  result.history = std::move(st.history);
  result.best_epoch = st.best_epoch;
  result.stop_reason = stopped_mid_epoch ? std::string("interrupted") : reason;
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
      (settings.test_on == TestOn::kBest ||
       (settings.test_on == TestOn::kBestOnEarlyStop && result.stop_reason == "early_stopping"));
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

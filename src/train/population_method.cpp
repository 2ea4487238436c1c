#include "neurocma/train/population_method.hpp"

#include <cmath>
#include <string>

#include "neurocma/core/error.hpp"

namespace neurocma {

PopulationMethod::PopulationMethod(const Mlp& mlp, const Eigen::Ref<const Vector>& params0,
                                   const PopulationMethodOptions& opt, const StrategyFactory& make,
                                   Rng rng, PopulationEvaluator& evaluator)
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
    // Each block gets its own stream derived from the run's optimizer stream.
    Rng block_rng(rng(), bi, Stream::kOptimizer);
    m_es.push_back(make(params0.segment(b.begin, b.size), block_rng));
  }
}

void PopulationMethod::begin_epoch(const Eigen::Ref<const Vector>& params) {
  if (m_opt.context == BlockContext::kEpochStart) m_epoch_start = params;
}

void PopulationMethod::train_batch(Vector& params, const Batch& batch, Counters& counters) {
  // Sample every block around the current parameters (others fixed), evaluate
  // all on the same batch, then update all blocks at once.
  if (m_opt.context == BlockContext::kEpochStart && m_epoch_start.size() != params.size())
    throw RuntimeError("PopulationMethod: block_context epoch_start needs begin_epoch() first");
  std::vector<Vector>& fitness = m_fitness_per_block;
  std::vector<Matrix>& block_cand = m_block_cand;
  fitness.resize(m_es.size());
  block_cand.resize(m_es.size());
  for (size_t bi = 0; bi < m_es.size(); ++bi) {
    const ParamBlock& b = m_opt.blocks[bi];
    PopulationOptimizer& es = *m_es[bi];
    const Index lambda = es.popsize();
    if (m_es.size() == 1) {
      // Whole-model with shared sampling: the evaluator gets the recipe; under
      // MPI each rank draws and evaluates its own columns (same numbers as ask()).
      OptimizerGeneration generation(es);
      if (generation.begin()) {
        if (fitness[bi].size() != lambda) fitness[bi].resize(lambda);
        m_eval.evaluate_shared(generation, batch, fitness[bi]);
        counters.model_evals += lambda * batch.count;
        continue;
      }
    }
    if (block_cand[bi].cols() != lambda) block_cand[bi].resize(b.size, lambda);
    es.ask(block_cand[bi]);
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
    m_es[bi]->tell(fitness[bi]);
    const ParamBlock& b = m_opt.blocks[bi];
    if (m_opt.select == Selection::kMean) {
      params.segment(b.begin, b.size) = m_es[bi]->mean();
    } else {
      // The study's behaviour: install the best sample seen so far.
      params.segment(b.begin, b.size) = m_es[bi]->best_x();
    }
  }
}

Diagnostics PopulationMethod::diagnostics() const {
  Diagnostics d;
  // Geometric mean of sigma over blocks (the single sigma of a whole-model strategy).
  double s = 0.0;
  for (const auto& es : m_es) s += std::log(es->diagnostics().sigma);
  d.sigma = std::exp(s / static_cast<double>(m_es.size()));
  for (const auto& es : m_es) {
    const double ci = es->diagnostics().condition;
    if (std::isfinite(ci) && !(d.condition >= ci)) d.condition = ci;
  }
  return d;
}

StopReason PopulationMethod::stop() const {
  for (const auto& es : m_es)
    if (es->stop() != StopReason::kNone) return es->stop();
  return StopReason::kNone;
}

namespace {

const std::vector<double>& state_entry(const StateMap& s, const std::string& key) {
  const auto it = s.find(key);
  if (it == s.end()) throw RuntimeError("optimizer state: missing array '" + key + "'");
  return it->second;
}

}  // namespace

StateMap PopulationMethod::state() const {
  StateMap s;
  s["blocks"] = {static_cast<double>(m_es.size())};
  if (m_opt.context == BlockContext::kEpochStart)
    s["epoch_start"] =
        std::vector<double>(m_epoch_start.data(), m_epoch_start.data() + m_epoch_start.size());
  for (size_t bi = 0; bi < m_es.size(); ++bi)
    for (auto& [key, value] : m_es[bi]->state())
      s["b" + std::to_string(bi) + "/" + key] = std::move(value);
  return s;
}

void PopulationMethod::set_state(const StateMap& s) {
  const std::vector<double>& blocks = state_entry(s, "blocks");
  if (blocks.size() != 1 || blocks[0] != static_cast<double>(m_es.size()))
    throw RuntimeError("optimizer state: holds " +
                       (blocks.empty() ? std::string("no") : std::to_string(blocks[0])) +
                       " strategy blocks, expected " + std::to_string(m_es.size()));
  for (size_t bi = 0; bi < m_es.size(); ++bi) {
    const std::string prefix = "b" + std::to_string(bi) + "/";
    StateMap block;
    for (auto it = s.lower_bound(prefix); it != s.end() && it->first.rfind(prefix, 0) == 0; ++it)
      block[it->first.substr(prefix.size())] = it->second;
    m_es[bi]->set_state(block);
  }
  if (m_opt.context == BlockContext::kEpochStart) {
    const std::vector<double>& v = state_entry(s, "epoch_start");
    m_epoch_start = Eigen::Map<const Vector>(v.data(), static_cast<Index>(v.size()));
  }
}

}  // namespace neurocma

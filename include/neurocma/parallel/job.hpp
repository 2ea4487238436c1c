// One (optimizer, run) job: data, initial weights, optimizer and training.
// Seeds: run i of every optimizer uses the same split and initial weights,
// derived from (base seed, i); the optimizer's own stream is derived too.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>

#include "neurocma/io/config.hpp"
#include "neurocma/io/results.hpp"
#include "neurocma/parallel/scheduler.hpp"
#include "neurocma/train/trainer.hpp"

namespace neurocma {

// Seed of run `run_index` derived from the experiment's base seed.
std::uint64_t run_seed(std::uint64_t base_seed, int run_index);

// Builds the MLP of the config for a data set with `features` inputs and `classes` outputs.
MlpSpec model_spec(const ExperimentConfig& cfg, Index features, int classes);

// Builds the training method of an optimizer config. evaluator is used by
// CMA-ES methods (must outlive the method).
std::unique_ptr<TrainingMethod> make_method(const OptimizerConfig& opt, const Mlp& mlp,
                                            const Eigen::Ref<const Vector>& params0,
                                            std::uint64_t seed, PopulationEvaluator& evaluator);

// Scheduler options for jobs on this model: group workers evaluate batches of
// `train`, split in candidate quanta that keep fitness values bit-identical.
ScheduleOptions population_schedule(const Mlp& mlp, const Dataset& train, int ranks_per_run);

// Trains one job on already loaded splits; returns its complete record.
RunRecord run_job(const ExperimentConfig& cfg, const Splits& splits, const OptimizerConfig& opt,
                  int run_index, std::uint64_t seed, PopulationEvaluator* evaluator,
                  const EpochCallback& on_epoch = {});
// The same with checkpoint hooks (hooks.resume continues a saved run).
RunRecord run_job(const ExperimentConfig& cfg, const Splits& splits, const OptimizerConfig& opt,
                  int run_index, std::uint64_t seed, PopulationEvaluator* evaluator,
                  const TrainHooks& hooks);

}  // namespace neurocma

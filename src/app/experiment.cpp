#include "neurocma/app/experiment.hpp"

#include "neurocma/core/error.hpp"
#include "neurocma/core/version.hpp"
#include "neurocma/parallel/mpi_evaluator.hpp"

namespace neurocma {

std::uint64_t run_seed(std::uint64_t base_seed, int run_index) {
  std::uint64_t s =
      base_seed ^ (0x5851F42D4C957F2DULL * (static_cast<std::uint64_t>(run_index) + 1));
  return splitmix64(s);
}

MlpSpec model_spec(const ExperimentConfig& cfg, Index features, int classes) {
  MlpSpec spec;
  spec.input = features;
  spec.hidden = cfg.model.hidden;
  spec.output = classes;
  spec.activation = cfg.model.activation;
  spec.output_kind = cfg.model.output;
  return spec;
}

TrainSettings train_settings(const ExperimentConfig& cfg) {
  TrainSettings ts;
  ts.batch_size = cfg.train.batch_size;
  ts.max_epochs = cfg.train.max_epochs;
  ts.patience = cfg.train.patience;
  ts.min_delta = cfg.train.min_delta;
  ts.test_on = cfg.train.test_on;
  return ts;
}

Experiment::Experiment(ExperimentConfig config, Splits data)
    : cfg(std::move(config)),
      splits(std::move(data)),
      mlp(model_spec(cfg, splits.train.features(), splits.train.num_classes)),
      settings(train_settings(cfg)) {}

ScheduleOptions Experiment::schedule(int ranks_per_run) const {
  ScheduleOptions sched;
  sched.ranks_per_run = ranks_per_run;
  sched.data = &splits.train;
  std::vector<Index> widths;
  for (const LayerView& l : mlp.layers()) widths.push_back(l.out);
  sched.quantum = partition_quantum(widths);
  return sched;
}

RunRecord run_job(const Experiment& ex, const OptimizerConfig& opt, int run_index,
                  std::uint64_t seed, PopulationEvaluator* evaluator,
                  const std::vector<TrainCallback*>& callbacks, const TrainState* resume) {
  const Mlp& mlp = ex.mlp;
  // Run i of every optimizer starts from the same weights and batch order.
  Rng init_rng(seed, 0, Stream::kInit);
  Rng shuffle_rng(seed, 0, Stream::kShuffle);
  // train.rng "torch": the study's torch.manual_seed(i), then the default
  // nn.Linear init and one DataLoader permutation per epoch from that stream.
  TorchGenerator torch_rng(static_cast<std::uint64_t>(run_index));
  const bool torch = ex.cfg.train.rng == RunRng::kTorch;
  const Vector params0 = torch ? mlp.init_torch(torch_rng) : mlp.init(init_rng);
  RngOrder rng_order(shuffle_rng);
  TorchOrder torch_order(torch_rng);
  EpochOrder& order = torch ? static_cast<EpochOrder&>(torch_order) : rng_order;
  std::unique_ptr<PopulationEvaluator> own;
  if (evaluator == nullptr) {
    own = std::make_unique<SerialEvaluator>(mlp);
    evaluator = own.get();
  }
  const MethodContext ctx{mlp, params0, seed, ex.cfg.seed, *evaluator, opt.name};
  std::unique_ptr<TrainingMethod> method = opt.entry().make(opt.options, ctx);

  RunRecord rec;
  rec.optimizer = opt.name;
  rec.optimizer_type = opt.type;
  rec.hyperparams = opt.params.dump();
  rec.seed = seed;
  rec.run_index = run_index;
  rec.dataset = ex.cfg.dataset.name;
  rec.model_shape = mlp.spec().shape_string();
  rec.config_json = ex.cfg.resolved.dump();
  rec.version = version_string();
  rec.result = train(mlp, ex.splits, *method, ex.settings, params0, order, callbacks, resume);
  return rec;
}

}  // namespace neurocma

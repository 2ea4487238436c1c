#include "neurocma/parallel/job.hpp"

#include <sstream>

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
  spec.activation = parse_activation(cfg.model.activation);
  spec.output_kind = parse_output(cfg.model.output);
  return spec;
}

std::unique_ptr<TrainingMethod> make_method(const OptimizerConfig& opt, const Mlp& mlp,
                                            const Eigen::Ref<const Vector>& params0,
                                            std::uint64_t seed, PopulationEvaluator& evaluator) {
  if (opt.type == "sgd") {
    SgdOptions o;
    o.lr = opt.lr;
    o.momentum = opt.momentum;
    o.dampening = opt.dampening;
    o.weight_decay = opt.weight_decay;
    o.nesterov = opt.nesterov;
    return std::make_unique<GradientMethod>(mlp, std::make_unique<Sgd>(o));
  }
  if (opt.type == "adam") {
    AdamOptions o;
    o.lr = opt.lr;
    o.beta1 = opt.beta1;
    o.beta2 = opt.beta2;
    o.eps = opt.eps;
    o.weight_decay = opt.weight_decay;
    return std::make_unique<GradientMethod>(mlp, std::make_unique<Adam>(o));
  }
  if (opt.type == "cmaes") {
    CmaMethodOptions o;
    o.cma.variant = parse_cma_variant(opt.variant);
    o.cma.popsize = opt.popsize;
    o.cma.sigma0 = opt.sigma0;
    o.cma.active = opt.active;
    o.cma.mirrored = opt.mirrored;
    o.cma.max_evals = opt.max_evals;
    o.cma.lm_memory = opt.lm_memory;
    o.cma.full_form = parse_cma_full_form(opt.full_form);
    o.batch_size = opt.batch_size;
    o.select = opt.select == "best" ? Selection::kBest : Selection::kMean;
    o.context = opt.block_context == "epoch_start" ? BlockContext::kEpochStart
                                                   : BlockContext::kCurrent;
    o.fitness = opt.fitness == "mean_over_batch" ? FitnessScale::kMeanOverBatch
                                                 : FitnessScale::kMean;
    const std::string where = "optimizer '" + opt.name + "': ";
    if (opt.blocks == "whole") {
      o.blocks = {ParamBlock{0, mlp.num_params()}};
    } else if (opt.blocks == "layer") {
      o.blocks = mlp.layer_blocks();
    } else if (opt.blocks == "tensor") {
      o.blocks = mlp.tensor_blocks();
    } else {
      Index begin = 0;
      for (Index s : opt.block_sizes) {
        o.blocks.push_back({begin, s});
        begin += s;
      }
      if (begin != mlp.num_params())
        throw ConfigError(where + "blocks: sizes sum to " + std::to_string(begin) +
                          ", expected the model's " + std::to_string(mlp.num_params()) +
                          " parameters");
    }
    try {
      for (const ParamBlock& b : o.blocks) validate(o.cma, b.size);
    } catch (const ConfigError& e) {
      throw ConfigError(where + e.what());
    }
    return std::make_unique<CmaMethod>(mlp, params0, o, Rng(seed, 0, Stream::kOptimizer),
                                       evaluator);
  }
  throw ConfigError("optimizer '" + opt.name + "': unknown type '" + opt.type +
                    "', expected sgd, adam or cmaes");
}

ScheduleOptions population_schedule(const Mlp& mlp, const Dataset& train, int ranks_per_run) {
  ScheduleOptions sched;
  sched.ranks_per_run = ranks_per_run;
  sched.data = &train;
  std::vector<Index> widths;
  for (const LayerView& l : mlp.layers()) widths.push_back(l.out);
  sched.quantum = partition_quantum(widths);
  return sched;
}

RunRecord run_job(const ExperimentConfig& cfg, const Splits& splits, const OptimizerConfig& opt,
                  int run_index, std::uint64_t seed, PopulationEvaluator* evaluator,
                  const EpochCallback& on_epoch) {
  TrainHooks hooks;
  hooks.on_epoch = on_epoch;
  return run_job(cfg, splits, opt, run_index, seed, evaluator, hooks);
}

RunRecord run_job(const ExperimentConfig& cfg, const Splits& splits, const OptimizerConfig& opt,
                  int run_index, std::uint64_t seed, PopulationEvaluator* evaluator,
                  const TrainHooks& hooks) {
  const Mlp mlp(model_spec(cfg, splits.train.features(), splits.train.num_classes));
  // Run i of every optimizer starts from the same weights and batch order.
  Rng init_rng(seed, 0, Stream::kInit);
  Rng shuffle_rng(seed, 0, Stream::kShuffle);
  // train.rng "torch": the study's torch.manual_seed(i), then the default
  // nn.Linear init and one DataLoader permutation per epoch from that stream.
  TorchGenerator torch_rng(static_cast<std::uint64_t>(run_index));
  const bool torch = cfg.train.rng == "torch";
  const Vector params0 = torch ? mlp.init_torch(torch_rng) : mlp.init(init_rng);
  RngOrder rng_order(shuffle_rng);
  TorchOrder torch_order(torch_rng);
  EpochOrder& order = torch ? static_cast<EpochOrder&>(torch_order) : rng_order;
  std::unique_ptr<PopulationEvaluator> own;
  if (evaluator == nullptr) {
    own = std::make_unique<SerialEvaluator>(mlp);
    evaluator = own.get();
  }
  // rng "shared": every run's CMA-ES draws from the same stream, seeded by the
  // config seed (the study gave pycma {"seed": random_seed} in every run).
  const std::uint64_t method_seed = opt.rng == "shared" ? cfg.seed : seed;
  std::unique_ptr<TrainingMethod> method = make_method(opt, mlp, params0, method_seed, *evaluator);
  TrainSettings ts;
  ts.batch_size = cfg.train.batch_size;
  ts.max_epochs = cfg.train.max_epochs;
  ts.patience = cfg.train.patience;
  ts.min_delta = cfg.train.min_delta;
  ts.test_on = parse_test_on(cfg.train.test_on);

  RunRecord rec;
  rec.optimizer = opt.name;
  rec.optimizer_type = opt.type;
  rec.hyperparams = opt.params.dump();
  rec.seed = seed;
  rec.run_index = run_index;
  rec.dataset = cfg.dataset.name;
  rec.model_shape = mlp.spec().shape_string();
  rec.config_json = cfg.resolved.dump();
  rec.version = version_string();
  rec.result = train(mlp, splits, *method, ts, params0, order, hooks);
  return rec;
}

}  // namespace neurocma

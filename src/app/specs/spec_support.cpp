#include "neurocma/app/specs/spec_support.hpp"

#include <algorithm>
#include <cmath>

#include "neurocma/core/error.hpp"

namespace neurocma {

using json = nlohmann::json;

std::string count_text(double x) {
  return std::to_string(std::llround(x));
}

Index largest_block(const PopulationTraining& t, const ModelInfo& model) {
  const Index layer = model.largest_layer > 0 ? model.largest_layer : model.num_params;
  switch (t.layout) {
    case BlockLayout::kWhole:
      return model.num_params;
    case BlockLayout::kExplicit: {
      Index k = 0;
      for (Index b : t.block_sizes) k = std::max(k, b);
      return k > 0 ? k : model.num_params;
    }
    default:
      return layer;
  }
}

PopulationTraining parse_population_training(Reader& r, const ModelInfo& model) {
  PopulationTraining t;
  if (const json* b = r.get("blocks")) {
    const std::string what =
        "\"whole\", \"layer\", \"tensor\" or an array of positive block sizes summing to "
        "the parameter count";
    if (b->is_string()) {
      const std::string s = b->get<std::string>();
      if (s == "whole") {
        t.layout = BlockLayout::kWhole;
      } else if (s == "layer") {
        t.layout = BlockLayout::kLayer;
      } else if (s == "tensor") {
        t.layout = BlockLayout::kTensor;
      } else {
        r.expected("blocks", what, *b);
      }
    } else if (b->is_array() && !b->empty()) {
      t.layout = BlockLayout::kExplicit;
      Index sum = 0;
      for (std::size_t i = 0; i < b->size(); ++i) {
        long long s = 0;
        if (!Reader::to_integer((*b)[i], s) || s < 1) {
          r.expected("blocks[" + std::to_string(i) + "]", "a positive integer", (*b)[i]);
        }
        t.block_sizes.push_back(static_cast<Index>(s));
        sum += static_cast<Index>(s);
      }
      if (sum != model.num_params) {
        r.fail("blocks", "block sizes sum to " + std::to_string(sum) +
                             ", expected the parameter count " + std::to_string(model.num_params) +
                             " of model " + model.shape);
      }
    } else {
      r.expected("blocks", what, *b);
    }
  }
  t.batch_size = static_cast<Index>(r.integer("batch_size", t.batch_size, 0));
  t.select =
      r.choice("select", "mean", {"mean", "best"}) == "best" ? Selection::kBest : Selection::kMean;
  t.context = r.choice("block_context", "current", {"current", "epoch_start"}) == "epoch_start"
                  ? BlockContext::kEpochStart
                  : BlockContext::kCurrent;
  t.fitness = r.choice("fitness", "mean", {"mean", "mean_over_batch"}) == "mean_over_batch"
                  ? FitnessScale::kMeanOverBatch
                  : FitnessScale::kMean;
  t.rng = r.choice("rng", "run", {"run", "shared"}) == "shared" ? StrategyRng::kShared
                                                                : StrategyRng::kRun;
  return t;
}

void population_training_json(const PopulationTraining& t, json& out) {
  switch (t.layout) {
    case BlockLayout::kWhole:
      out["blocks"] = "whole";
      break;
    case BlockLayout::kLayer:
      out["blocks"] = "layer";
      break;
    case BlockLayout::kTensor:
      out["blocks"] = "tensor";
      break;
    case BlockLayout::kExplicit:
      out["blocks"] = t.block_sizes;
      break;
  }
  out["batch_size"] = t.batch_size;
  out["select"] = t.select == Selection::kBest ? "best" : "mean";
  out["block_context"] = t.context == BlockContext::kEpochStart ? "epoch_start" : "current";
  out["fitness"] = t.fitness == FitnessScale::kMeanOverBatch ? "mean_over_batch" : "mean";
  out["rng"] = t.rng == StrategyRng::kShared ? "shared" : "run";
}

std::vector<ParamBlock> make_blocks(const PopulationTraining& t, const Mlp& mlp,
                                    const std::string& name) {
  switch (t.layout) {
    case BlockLayout::kWhole:
      return {ParamBlock{0, mlp.num_params()}};
    case BlockLayout::kLayer:
      return mlp.layer_blocks();
    case BlockLayout::kTensor:
      return mlp.tensor_blocks();
    case BlockLayout::kExplicit:
      break;
  }
  std::vector<ParamBlock> blocks;
  Index begin = 0;
  for (Index s : t.block_sizes) {
    blocks.push_back({begin, s});
    begin += s;
  }
  if (begin != mlp.num_params())
    throw ConfigError("optimizer '" + name + "': blocks: sizes sum to " + std::to_string(begin) +
                      ", expected the model's " + std::to_string(mlp.num_params()) + " parameters");
  return blocks;
}

std::unique_ptr<TrainingMethod> make_population_method(const PopulationTraining& t,
                                                       const MethodContext& ctx,
                                                       const StrategyFactory& make) {
  PopulationMethodOptions o;
  o.blocks = make_blocks(t, ctx.mlp, ctx.name);
  o.batch_size = t.batch_size;
  o.select = t.select;
  o.context = t.context;
  o.fitness = t.fitness;
  const std::uint64_t seed = t.rng == StrategyRng::kShared ? ctx.config_seed : ctx.run_seed;
  return std::make_unique<PopulationMethod>(ctx.mlp, ctx.params0, o, make,
                                            Rng(seed, 0, Stream::kOptimizer), ctx.evaluator);
}

}  // namespace neurocma

// What every optimizer spec (io/specs/*) builds on: what it knows of the
// model while parsing, what its factory receives, its tunable parameters, and
// the population-training keys that every population strategy shares
// (blocks, batch_size, select, block_context, fitness, rng).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/io/reader.hpp"
#include "neurocma/model/mlp.hpp"
#include "neurocma/train/population_method.hpp"
#include "neurocma/tune/search_space.hpp"

namespace neurocma {

// The model an optimizer object is parsed for (explicit block sizes are
// checked against it).
struct ModelInfo {
  Index num_params = 0;
  std::string shape;        // e.g. "4-10-3"
  Index largest_layer = 0;  // parameters of the largest layer (0: num_params)
};

// What one run of an optimizer holds in memory beyond the model and the data,
// estimated before anything is allocated: bytes, the config key that drives
// them, and what they are, for the error message.
struct MemoryNeed {
  double bytes = 0;
  std::string key;   // e.g. "popsize"
  std::string what;  // e.g. "a population of 100000 x 6634 parameters"
};

// What a factory gets to build one run's training method.
struct MethodContext {
  const Mlp& mlp;
  const Vector& params0;
  std::uint64_t run_seed = 0;     // the run's seed
  std::uint64_t config_seed = 0;  // the config's seed (rng: "shared")
  PopulationEvaluator& evaluator;
  std::string name;  // the optimizer's name, for messages
};

// A parameter `neurocma tune` searches, with its default ranges for native
// configs and for the study's format (the study's own ranges).
struct TunableParam {
  ParamSpec native, study;
};

enum class BlockLayout { kWhole, kLayer, kTensor, kExplicit };
enum class StrategyRng {
  kRun,     // each run has its own stream
  kShared,  // every run uses the stream of the config seed (the study's pycma seed)
};

struct PopulationTraining {
  BlockLayout layout = BlockLayout::kWhole;
  std::vector<Index> block_sizes;  // kExplicit
  Index batch_size = 0;            // per generation; 0 = the training batch size
  Selection select = Selection::kMean;
  BlockContext context = BlockContext::kCurrent;
  FitnessScale fitness = FitnessScale::kMean;
  StrategyRng rng = StrategyRng::kRun;
};

// A count for messages: 2000000000, not 2e+09.
std::string count_text(double x);
// The largest block of a layout: the model for kWhole, else at most its largest layer.
Index largest_block(const PopulationTraining& t, const ModelInfo& model);
// Reads blocks, batch_size, select, block_context, fitness and rng.
PopulationTraining parse_population_training(Reader& r, const ModelInfo& model);
// Adds those keys to a hyperparameters object.
void population_training_json(const PopulationTraining& t, nlohmann::json& out);
// The blocks of the layout for this model; ConfigError (naming the optimizer)
// when explicit sizes do not sum to the parameter count.
std::vector<ParamBlock> make_blocks(const PopulationTraining& t, const Mlp& mlp,
                                    const std::string& name);
// A PopulationMethod with one strategy per block from `make`, its stream
// derived from the run seed (or the config seed for rng "shared").
std::unique_ptr<TrainingMethod> make_population_method(const PopulationTraining& t,
                                                       const MethodContext& ctx,
                                                       const StrategyFactory& make);

}  // namespace neurocma

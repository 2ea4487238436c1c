// The optimizer registry: the one place where a config's "type" string
// becomes a type. Each entry holds the type's parse from JSON, its resolved
// hyperparameters, its tunable parameters and their default ranges, whether
// it trains a population, and its factory. The config holds the typed options
// (OptimizerOptions, a std::variant); run, tune and the scheduler ask the
// registry. docs/architecture.md: how to add an optimizer.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/app/specs/cmaes_spec.hpp"
#include "neurocma/app/specs/gradient_specs.hpp"
#include "neurocma/app/specs/random_search_spec.hpp"
#include "neurocma/app/specs/spec_support.hpp"
#include "neurocma/io/reader.hpp"
#include "neurocma/train/method.hpp"
#include "neurocma/tune/search_space.hpp"

namespace neurocma {

template <class... Specs>
struct SpecList {
  using Options = std::variant<typename Specs::Options...>;
};

// ---- The registry: one entry per optimizer type. ----
using Registry = SpecList<SgdSpec, AdamSpec, CmaesSpec, RandomSearchSpec>;

using OptimizerOptions = Registry::Options;

struct OptimizerEntry {
  std::string type;         // the config's "type"
  bool population = false;  // trains through a PopulationOptimizer (MPI rank groups help)
  std::vector<TunableParam> tunables;
  // Reads the type's keys of one optimizer object (r is positioned on it).
  std::function<OptimizerOptions(Reader& r, const ModelInfo& model)> parse;
  // The resolved hyperparameters: every key of the type with defaults filled in.
  std::function<nlohmann::json(const OptimizerOptions&)> to_json;
  // Sets a tuned parameter (one of `tunables`).
  std::function<void(OptimizerOptions&, const std::string& param, double value)> set_tuned;
  // The population-training part (blocks, select, ...), nullptr for gradient types.
  std::function<PopulationTraining*(OptimizerOptions&)> training;
  std::function<std::unique_ptr<TrainingMethod>(const OptimizerOptions&, const MethodContext&)>
      make;
  // What one run holds in memory, estimated before it allocates anything.
  std::function<MemoryNeed(const OptimizerOptions&, const ModelInfo&)> memory;
  // Population types: the strategy alone, started at mean0 (for `neurocma
  // optimize` and the test-function checks); nullptr for gradient types.
  std::function<std::unique_ptr<PopulationOptimizer>(
      const OptimizerOptions&, const Eigen::Ref<const Vector>& mean0, Rng rng)>
      strategy;
};

// Every registered type, in registry order.
const std::vector<OptimizerEntry>& optimizer_registry();
// The entry of a type name; ConfigError listing the registered types otherwise.
const OptimizerEntry& optimizer_entry(const std::string& type);
// The entry of the type `options` holds.
const OptimizerEntry& optimizer_entry(const OptimizerOptions& options);
// "sgd", "adam", ... for messages.
std::vector<std::string> optimizer_types();

}  // namespace neurocma

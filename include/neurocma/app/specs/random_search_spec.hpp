// Registry spec of Gaussian random search (optim/random_search.hpp).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/app/specs/spec_support.hpp"
#include "neurocma/optim/random_search.hpp"

namespace neurocma {

struct RandomSearchConfig {
  RandomSearchOptions search;
  PopulationTraining training;
};

struct RandomSearchSpec {
  using Options = RandomSearchConfig;
  static constexpr const char* kType = "random_search";
  static constexpr bool kPopulation = true;
  static Options parse(Reader& r, const ModelInfo& model);
  static nlohmann::json to_json(const Options& o);
  static std::vector<TunableParam> tunables();
  static void set_tuned(Options& o, const std::string& param, double value);
  static MemoryNeed memory(const Options& o, const ModelInfo& model);
  static std::unique_ptr<TrainingMethod> make(const Options& o, const MethodContext& ctx);
  static std::unique_ptr<PopulationOptimizer> strategy(const Options& o,
                                                       const Eigen::Ref<const Vector>& mean0,
                                                       Rng rng);
};

}  // namespace neurocma

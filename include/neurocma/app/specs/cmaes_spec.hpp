// Registry spec of CMA-ES (full, sep, lm; any block layout).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/app/specs/spec_support.hpp"
#include "neurocma/optim/cmaes.hpp"

namespace neurocma {

struct CmaesOptions {
  CmaOptions cma;
  PopulationTraining training;
};

struct CmaesSpec {
  using Options = CmaesOptions;
  static constexpr const char* kType = "cmaes";
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

// popsize (integer, 4 .. 256 log; the study's 2 .. 50) and sigma0 (1e-3 .. 1
// log; the study's (0, 20]), shared by the evolution strategies.
TunableParam popsize_param();
TunableParam sigma0_param();

}  // namespace neurocma

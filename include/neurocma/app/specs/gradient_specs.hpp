// Registry specs of the gradient baselines: SGD and Adam (torch.optim semantics).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/app/specs/spec_support.hpp"
#include "neurocma/optim/gradient.hpp"

namespace neurocma {

struct SgdSpec {
  using Options = SgdOptions;
  static constexpr const char* kType = "sgd";
  static constexpr bool kPopulation = false;
  static Options parse(Reader& r, const ModelInfo& model);
  static nlohmann::json to_json(const Options& o);
  static std::vector<TunableParam> tunables();
  static void set_tuned(Options& o, const std::string& param, double value);
  static MemoryNeed memory(const Options& o, const ModelInfo& model);
  static std::unique_ptr<TrainingMethod> make(const Options& o, const MethodContext& ctx);
};

struct AdamSpec {
  using Options = AdamOptions;
  static constexpr const char* kType = "adam";
  static constexpr bool kPopulation = false;
  static Options parse(Reader& r, const ModelInfo& model);
  static nlohmann::json to_json(const Options& o);
  static std::vector<TunableParam> tunables();
  static void set_tuned(Options& o, const std::string& param, double value);
  static MemoryNeed memory(const Options& o, const ModelInfo& model);
  static std::unique_ptr<TrainingMethod> make(const Options& o, const MethodContext& ctx);
};

// The learning rate's ranges: 1e-4 .. 1 on a log scale; the study's (0, 30].
TunableParam learning_rate_param();

}  // namespace neurocma

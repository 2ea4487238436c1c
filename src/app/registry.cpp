#include "neurocma/app/registry.hpp"

#include "neurocma/core/error.hpp"

namespace neurocma {

namespace {

template <class Spec>
constexpr bool has_training() {
  return Spec::kPopulation;
}

template <class Spec>
OptimizerEntry entry_of() {
  using O = typename Spec::Options;
  OptimizerEntry e;
  e.type = Spec::kType;
  e.population = Spec::kPopulation;
  e.tunables = Spec::tunables();
  e.parse = [](Reader& r, const ModelInfo& m) { return OptimizerOptions(Spec::parse(r, m)); };
  e.to_json = [](const OptimizerOptions& o) { return Spec::to_json(std::get<O>(o)); };
  e.set_tuned = [](OptimizerOptions& o, const std::string& p, double v) {
    Spec::set_tuned(std::get<O>(o), p, v);
  };
  e.training = [](OptimizerOptions& o) -> PopulationTraining* {
    if constexpr (has_training<Spec>()) {
      return &std::get<O>(o).training;
    } else {
      (void)o;
      return nullptr;
    }
  };
  e.memory = [](const OptimizerOptions& o, const ModelInfo& m) {
    return Spec::memory(std::get<O>(o), m);
  };
  e.make = [](const OptimizerOptions& o, const MethodContext& ctx) {
    return Spec::make(std::get<O>(o), ctx);
  };
  if constexpr (Spec::kPopulation) {
    e.strategy = [](const OptimizerOptions& o, const Eigen::Ref<const Vector>& mean0, Rng rng) {
      return Spec::strategy(std::get<O>(o), mean0, rng);
    };
  }
  return e;
}

template <class... Specs>
std::vector<OptimizerEntry> entries(SpecList<Specs...>) {
  return {entry_of<Specs>()...};
}

}  // namespace

const std::vector<OptimizerEntry>& optimizer_registry() {
  static const std::vector<OptimizerEntry> table = entries(Registry{});
  return table;
}

std::vector<std::string> optimizer_types() {
  std::vector<std::string> out;
  for (const OptimizerEntry& e : optimizer_registry()) out.push_back(e.type);
  return out;
}

const OptimizerEntry& optimizer_entry(const std::string& type) {
  for (const OptimizerEntry& e : optimizer_registry())
    if (e.type == type) return e;
  throw ConfigError("unknown optimizer type '" + type + "', expected " +
                    join_quoted(optimizer_types()));
}

const OptimizerEntry& optimizer_entry(const OptimizerOptions& options) {
  // The variant's alternatives are in registry order.
  return optimizer_registry().at(options.index());
}

}  // namespace neurocma

#include "neurocma/app/specs/random_search_spec.hpp"

#include <cmath>

#include "neurocma/app/specs/cmaes_spec.hpp"
#include "neurocma/core/error.hpp"

namespace neurocma {

RandomSearchConfig RandomSearchSpec::parse(Reader& r, const ModelInfo& model) {
  RandomSearchConfig o;
  o.search.popsize = static_cast<Index>(r.integer("popsize", o.search.popsize, 1));
  o.search.sigma0 =
      r.number("sigma0", o.search.sigma0, 0, true, std::numeric_limits<double>::infinity(), false);
  o.training = parse_population_training(r, model);
  return o;
}

nlohmann::json RandomSearchSpec::to_json(const RandomSearchConfig& o) {
  nlohmann::json p = {{"popsize", o.search.popsize}, {"sigma0", o.search.sigma0}};
  population_training_json(o.training, p);
  return p;
}

std::vector<TunableParam> RandomSearchSpec::tunables() {
  return {popsize_param(), sigma0_param()};
}

void RandomSearchSpec::set_tuned(RandomSearchConfig& o, const std::string& param, double value) {
  if (param == "popsize") {
    o.search.popsize = static_cast<Index>(std::llround(value));
  } else if (param == "sigma0") {
    o.search.sigma0 = value;
  } else {
    throw ConfigError("optimizer type 'random_search': '" + param + "' is not a tunable parameter");
  }
}

MemoryNeed RandomSearchSpec::memory(const RandomSearchConfig& o, const ModelInfo& model) {
  const double lambda = static_cast<double>(o.search.popsize);
  const double n = static_cast<double>(model.num_params);
  return {2 * 8 * lambda * n, "popsize",
          "a population of " + count_text(lambda) + " x " + count_text(n) + " parameters"};
}

std::unique_ptr<TrainingMethod> RandomSearchSpec::make(const RandomSearchConfig& o,
                                                       const MethodContext& ctx) {
  const RandomSearchOptions search = o.search;
  return make_population_method(o.training, ctx,
                                [search](const Eigen::Ref<const Vector>& mean0, Rng rng) {
                                  return std::make_unique<RandomSearch>(mean0, search, rng);
                                });
}

std::unique_ptr<PopulationOptimizer> RandomSearchSpec::strategy(
    const RandomSearchConfig& o, const Eigen::Ref<const Vector>& mean0, Rng rng) {
  return std::make_unique<RandomSearch>(mean0, o.search, rng);
}

}  // namespace neurocma

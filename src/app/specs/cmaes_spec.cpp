#include "neurocma/app/specs/cmaes_spec.hpp"

#include <cmath>

#include "neurocma/core/error.hpp"

namespace neurocma {

using json = nlohmann::json;

TunableParam popsize_param() {
  TunableParam t;
  t.native = {"popsize", 4, 256, true, true};
  t.study = {"popsize", 2, 50, false, true};
  return t;
}

TunableParam sigma0_param() {
  TunableParam t;
  t.native = {"sigma0", 1e-3, 1.0, true, false};
  t.study = {"sigma0", 0.0, 20.0, false, false};
  return t;
}

CmaesOptions CmaesSpec::parse(Reader& r, const ModelInfo& model) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  CmaesOptions o;
  CmaOptions& c = o.cma;
  c.sigma0 = 0.05;
  const std::string variant = r.choice("variant", "sep", {"full", "sep", "lm"});
  c.variant = parse_cma_variant(variant);
  c.popsize = static_cast<Index>(r.integer("popsize", c.popsize, 0));
  if (c.popsize == 1) r.expected("popsize", "0 (default) or an integer >= 2", json(1));
  c.sigma0 = r.number("sigma0", c.sigma0, 0, true, kInf, false);
  o.training = parse_population_training(r, model);
  // Active CMA is the default of full CMA-ES (the tutorial's Table 1, pycma);
  // sep-CMA-ES (Ros & Hansen 2008) and LM-MA-ES have no negative weights by default.
  c.active = r.boolean("active", c.variant == CmaVariant::kFull);
  if (c.active && c.variant == CmaVariant::kLm)
    r.fail("active", "LM-MA-ES has no active (negative-weight) update; expected false");
  c.mirrored = r.boolean("mirrored", c.mirrored);
  c.max_evals = r.integer("max_evals", c.max_evals, 0, std::numeric_limits<long long>::max());
  c.lm_memory = static_cast<Index>(r.integer("lm_memory", c.lm_memory, 0));
  c.full_form = parse_cma_full_form(r.choice("full_form", "auto", {"auto", "eigen", "matrix"}));
  return o;
}

json CmaesSpec::to_json(const CmaesOptions& o) {
  const CmaOptions& c = o.cma;
  json p = json::object();
  p["variant"] = to_string(c.variant);
  p["popsize"] = c.popsize;
  p["sigma0"] = c.sigma0;
  p["active"] = c.active;
  p["mirrored"] = c.mirrored;
  p["max_evals"] = c.max_evals;
  p["lm_memory"] = c.lm_memory;
  p["full_form"] = to_string(c.full_form);
  population_training_json(o.training, p);
  return p;
}

std::vector<TunableParam> CmaesSpec::tunables() {
  return {popsize_param(), sigma0_param()};
}

void CmaesSpec::set_tuned(CmaesOptions& o, const std::string& param, double value) {
  if (param == "popsize") {
    o.cma.popsize = static_cast<Index>(std::llround(value));
  } else if (param == "sigma0") {
    o.cma.sigma0 = value;
  } else {
    throw ConfigError("optimizer type 'cmaes': '" + param + "' is not a tunable parameter");
  }
}

MemoryNeed CmaesSpec::memory(const CmaesOptions& o, const ModelInfo& model) {
  const CmaOptions& c = o.cma;
  const double n = static_cast<double>(model.num_params);
  const Index block = largest_block(o.training, model);
  const double k = static_cast<double>(block);
  const double lambda =
      static_cast<double>(c.popsize > 0 ? c.popsize : default_popsize(std::max<Index>(block, 1)));
  // Candidates, their steps and their scaled steps: three lambda x n matrices.
  MemoryNeed need{3 * 8 * lambda * n, "popsize",
                  "a population of " + count_text(lambda) + " x " + count_text(n) + " parameters"};
  double state = 0;
  std::string key, what;
  if (c.variant == CmaVariant::kFull) {
    // C (or M), B and a workspace for every block: at most n / k blocks of k^2.
    state = 3 * 8 * n * k;
    key = "variant";
    what = "full covariance matrices of blocks up to " + count_text(k) + " parameters (" +
           count_text(n) + " in all)";
  } else if (c.variant == CmaVariant::kLm) {
    const double m = static_cast<double>(
        c.lm_memory > 0 ? c.lm_memory : default_popsize(std::max<Index>(block, 1)));
    state = 2 * 8 * m * n;
    key = "lm_memory";
    what = count_text(m) + " direction vectors of " + count_text(n) + " parameters";
  }
  if (state > need.bytes) {
    need.key = key;
    need.what = what;
  }
  need.bytes += state;
  return need;
}

std::unique_ptr<TrainingMethod> CmaesSpec::make(const CmaesOptions& o, const MethodContext& ctx) {
  const CmaOptions cma = o.cma;
  try {
    for (const ParamBlock& b : make_blocks(o.training, ctx.mlp, ctx.name)) validate(cma, b.size);
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    if (what.rfind("optimizer '", 0) == 0) throw;
    throw ConfigError("optimizer '" + ctx.name + "': " + what);
  }
  return make_population_method(o.training, ctx,
                                [cma](const Eigen::Ref<const Vector>& mean0, Rng rng) {
                                  return std::make_unique<CmaEs>(mean0, cma, rng);
                                });
}

std::unique_ptr<PopulationOptimizer> CmaesSpec::strategy(const CmaesOptions& o,
                                                         const Eigen::Ref<const Vector>& mean0,
                                                         Rng rng) {
  return std::make_unique<CmaEs>(mean0, o.cma, rng);
}

}  // namespace neurocma

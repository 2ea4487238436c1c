// `neurocma optimize`: any population strategy of the registry on a standard
// test function, one JSON line out (docs/cmaes.md).
#include <algorithm>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "neurocma/app/registry.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/optim/minimize.hpp"

namespace neurocma::cli {

namespace {

struct OptimizeArgs {
  std::string function = "sphere";
  long long dim = 10;
  std::string optimizer = "full";
  std::string full_form;
  double x0 = std::numeric_limits<double>::quiet_NaN();      // NaN: the function's default
  double sigma0 = std::numeric_limits<double>::quiet_NaN();  // NaN: the function's default
  long long popsize = 0;
  unsigned long long seed = 1;
  double target = 1e-8;
  long long max_evals = 0;  // 0: 1e4 * dim
  bool active = false, no_active = false;
  bool mirrored = false;
  long long seeds = 1;               // > 1: seeds seed .. seed + seeds - 1, with their median
  std::vector<std::string> options;  // KEY=VALUE of the strategy's config keys
};

// The strategy's config object: `--optimizer` full|sep|lm are CMA-ES variants,
// any other name a population type of the registry; the flags and --option
// KEY=VALUE become its keys, checked by the type's own parser.
nlohmann::json strategy_json(const OptimizeArgs& a, double sigma0) {
  nlohmann::json j = nlohmann::json::object();
  const bool cma = a.optimizer == "full" || a.optimizer == "sep" || a.optimizer == "lm";
  j["type"] = cma ? "cmaes" : a.optimizer;
  if (cma) j["variant"] = a.optimizer;
  if (a.popsize != 0) j["popsize"] = a.popsize;
  j["sigma0"] = sigma0;
  if (!a.full_form.empty()) j["full_form"] = a.full_form;
  if (a.active) j["active"] = true;
  if (a.no_active) j["active"] = false;
  if (a.mirrored) j["mirrored"] = true;
  for (const std::string& kv : a.options) {
    const std::size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError("--option '" + kv + "': expected KEY=VALUE");
    const std::string key = kv.substr(0, eq), text = kv.substr(eq + 1);
    try {
      j[key] = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
      j[key] = text;  // a bare word is a string
    }
  }
  return j;
}

}  // namespace

void add_optimize_command(CLI::App& app, Action& action, ParallelContext& ctx) {
  auto args = std::make_shared<OptimizeArgs>();
  CLI::App* sub = app.add_subcommand(
      "optimize", "Run a population strategy on a test function; prints one JSON line");
  sub->add_option("--function", args->function,
                  "sphere|ellipsoid|rotated_ellipsoid|cigar|discus|rosenbrock|rastrigin")
      ->capture_default_str();
  sub->add_option("--dim", args->dim, "Dimension n")->capture_default_str();
  sub->add_option("--optimizer", args->optimizer,
                  "full|sep|lm (CMA-ES variants) or a population type of the registry")
      ->capture_default_str();
  sub->add_option("--full-form", args->full_form, "auto|eigen|matrix (full only)");
  sub->add_option("--x0", args->x0, "Start value for every coordinate (default: per function)");
  sub->add_option("--popsize", args->popsize, "lambda (0: the strategy's default)")
      ->capture_default_str();
  sub->add_option("--sigma0", args->sigma0, "Initial step size (default: per function)");
  sub->add_option("--seed", args->seed, "Seed of the optimizer stream")->capture_default_str();
  sub->add_option("--target", args->target, "Stop when best f <= target")->capture_default_str();
  sub->add_option("--max-evals", args->max_evals, "Evaluation budget (0: 1e4 * dim)")
      ->capture_default_str();
  sub->add_flag("--active", args->active,
                "Active CMA (negative weights); the default for full, off for sep and lm");
  sub->add_flag("--no-active", args->no_active, "Plain CMA without negative weights")
      ->excludes("--active");
  sub->add_flag("--mirrored", args->mirrored, "Mirrored sampling");
  sub->add_option("--option", args->options,
                  "KEY=VALUE: any config key of the strategy (repeatable), e.g. lm_memory=8");
  sub->add_option("--seeds", args->seeds,
                  "Run this many seeds from --seed on and print their evaluations and median")
      ->capture_default_str();
  add_threads_option(sub);
  sub->callback([args, &action, &ctx] {
    action = [args, &ctx]() -> int {
      if (args->dim < 1)
        throw ConfigError("--dim: expected >= 1, got " + std::to_string(args->dim));
      if (args->max_evals < 0)
        throw ConfigError("--max-evals: expected >= 0, got " + std::to_string(args->max_evals));
      if (args->seeds < 1)
        throw ConfigError("--seeds: expected >= 1, got " + std::to_string(args->seeds));
      const Index n = static_cast<Index>(args->dim);
      const long long budget = args->max_evals > 0 ? args->max_evals : 10000LL * args->dim;
      std::vector<long long> evals;
      std::vector<double> reached_evals;
      nlohmann::json j, used;
      for (long long k = 0; k < args->seeds; ++k) {
        const std::uint64_t seed = args->seed + static_cast<std::uint64_t>(k);
        // The function's rotation depends on the seed too, so a run is one number.
        const TestFunction t = make_test_function(args->function, n, seed);
        nlohmann::json spec =
            strategy_json(*args, std::isnan(args->sigma0) ? t.sigma0 : args->sigma0);
        if (!spec.contains("max_evals") && spec["type"] == "cmaes") spec["max_evals"] = budget;
        const std::string type = spec["type"].get<std::string>();
        const OptimizerEntry& entry = optimizer_entry(type);
        if (!entry.strategy)
          throw ConfigError("--optimizer '" + type + "': not a population strategy");
        spec.erase("type");
        Reader r(spec, "neurocma optimize", "--optimizer " + args->optimizer);
        const ModelInfo model{n, "n=" + std::to_string(n)};
        const OptimizerOptions options = entry.parse(r, model);
        r.finish(" for a strategy of type \"" + type + "\"");
        used = entry.to_json(options);
        const Vector x0 = std::isnan(args->x0) ? t.x0 : Vector::Constant(n, args->x0);
        if (!x0.allFinite()) throw ConfigError("--x0: expected a finite value");
        const std::unique_ptr<PopulationOptimizer> es =
            entry.strategy(options, x0, Rng(seed, 0, Stream::kOptimizer));
        const MinimizeResult res = minimize(t.f, *es, args->target, budget);
        evals.push_back(res.evals);
        if (res.reached) reached_evals.push_back(static_cast<double>(res.evals));
        if (args->seeds == 1) {
          j["evals"] = res.evals;
          j["best_f"] = res.best_f;
          j["reached"] = res.reached;
          j["generations"] = res.generations;
          j["stop"] = to_string(res.stop);
        }
      }
      if (ctx.is_root()) {
        nlohmann::json out;
        out["function"] = args->function;
        out["dim"] = args->dim;
        out["optimizer"] = args->optimizer;
        if (used.contains("active")) out["active"] = used["active"];
        out["hyperparameters"] = used;
        out["seed"] = args->seed;
        if (args->seeds == 1) {
          out.update(j);
        } else {
          std::sort(reached_evals.begin(), reached_evals.end());
          const std::size_t m = reached_evals.size();
          out["seeds"] = args->seeds;
          out["evals"] = evals;
          out["reached"] = m;
          out["median_evals"] =
              m == 0
                  ? nlohmann::json()
                  : nlohmann::json(m % 2 ? reached_evals[m / 2]
                                         : 0.5 * (reached_evals[m / 2 - 1] + reached_evals[m / 2]));
        }
        std::cout << out.dump() << std::endl;
      }
      return kExitOk;
    };
  });
}

}  // namespace neurocma::cli

// `neurocma optimize`: CMA-ES on a standard test function, one JSON line out.
#include <algorithm>
#include <iostream>
#include <vector>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/optim/minimize.hpp"

namespace neurocma::cli {

namespace {

struct OptimizeArgs {
  std::string function = "sphere";
  long long dim = 10;
  std::string optimizer = "full";
  std::string full_form = "auto";
  double x0 = std::numeric_limits<double>::quiet_NaN();      // NaN: the function's default
  double sigma0 = std::numeric_limits<double>::quiet_NaN();  // NaN: the function's default
  long long popsize = 0;
  unsigned long long seed = 1;
  double target = 1e-8;
  long long max_evals = 0;  // 0: 1e4 * dim
  bool active = false, no_active = false;  // neither: active for full (pycma, Table 1)
  bool mirrored = false;
  long long seeds = 1;  // > 1: seeds seed .. seed + seeds - 1, with their median
};

}  // namespace

void add_optimize_command(CLI::App& app, Action& action, ParallelContext& ctx) {
  auto args = std::make_shared<OptimizeArgs>();
  CLI::App* sub =
      app.add_subcommand("optimize", "Run CMA-ES on a test function; prints one JSON line");
  sub->add_option("--function", args->function,
                  "sphere|ellipsoid|rotated_ellipsoid|cigar|discus|rosenbrock|rastrigin")
      ->capture_default_str();
  sub->add_option("--dim", args->dim, "Dimension n")->capture_default_str();
  sub->add_option("--optimizer", args->optimizer, "full|sep|lm")->capture_default_str();
  sub->add_option("--full-form", args->full_form, "auto|eigen|matrix (full only)")
      ->capture_default_str();
  sub->add_option("--x0", args->x0, "Start value for every coordinate (default: per function)");
  sub->add_option("--popsize", args->popsize, "lambda (0: 4 + floor(3 ln n))")
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
  sub->add_option("--seeds", args->seeds,
                  "Run this many seeds from --seed on and print their evaluations and median")
      ->capture_default_str();
  sub->add_flag("--mirrored", args->mirrored, "Mirrored sampling");
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
      CmaOptions o;
      o.variant = parse_cma_variant(args->optimizer);
      o.full_form = parse_cma_full_form(args->full_form);
      o.popsize = static_cast<Index>(args->popsize);
      o.active = args->active || (!args->no_active && o.variant == CmaVariant::kFull);
      if (o.active && o.variant == CmaVariant::kLm)
        throw ConfigError("--active: LM-MA-ES has no active (negative-weight) update");
      o.mirrored = args->mirrored;
      o.max_evals = args->max_evals > 0 ? args->max_evals : 10000LL * args->dim;
      std::vector<long long> evals;
      std::vector<double> reached_evals;
      nlohmann::json j;
      for (long long k = 0; k < args->seeds; ++k) {
        const std::uint64_t seed = args->seed + static_cast<std::uint64_t>(k);
        // The function's rotation depends on the seed too, so a run is one number.
        const TestFunction t = make_test_function(args->function, n, seed);
        o.sigma0 = std::isnan(args->sigma0) ? t.sigma0 : args->sigma0;
        const Vector x0 = std::isnan(args->x0) ? t.x0 : Vector::Constant(n, args->x0);
        if (!x0.allFinite()) throw ConfigError("--x0: expected a finite value");
        const MinimizeResult r = minimize(t.f, x0, o, Rng(seed, 0, Stream::kOptimizer), args->target);
        evals.push_back(r.evals);
        if (r.reached) reached_evals.push_back(static_cast<double>(r.evals));
        if (args->seeds == 1) {
          j["evals"] = r.evals;
          j["best_f"] = r.best_f;
          j["reached"] = r.reached;
          j["generations"] = r.generations;
          j["stop"] = to_string(r.stop);
        }
      }
      if (ctx.is_root()) {
        nlohmann::json out;
        out["function"] = args->function;
        out["dim"] = args->dim;
        out["optimizer"] = args->optimizer;
        out["active"] = o.active;
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
              m == 0 ? nlohmann::json()
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

// `neurocma optimize`: CMA-ES on a standard test function, one JSON line out.
#include <iostream>
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
  bool active = false;
  bool mirrored = false;
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
  sub->add_flag("--active", args->active, "Active CMA (negative weights)");
  sub->add_flag("--mirrored", args->mirrored, "Mirrored sampling");
  add_threads_option(sub);
  sub->callback([args, &action, &ctx] {
    action = [args, &ctx]() -> int {
      if (args->dim < 1)
        throw ConfigError("--dim: expected >= 1, got " + std::to_string(args->dim));
      if (args->max_evals < 0)
        throw ConfigError("--max-evals: expected >= 0, got " + std::to_string(args->max_evals));
      const Index n = static_cast<Index>(args->dim);
      // The function's rotation depends on the seed too, so a run is one number.
      const TestFunction t = make_test_function(args->function, n, args->seed);
      CmaOptions o;
      o.variant = parse_cma_variant(args->optimizer);
      o.full_form = parse_cma_full_form(args->full_form);
      o.popsize = static_cast<Index>(args->popsize);
      o.sigma0 = std::isnan(args->sigma0) ? t.sigma0 : args->sigma0;
      o.active = args->active;
      o.mirrored = args->mirrored;
      o.max_evals = args->max_evals > 0 ? args->max_evals : 10000LL * args->dim;
      const Vector x0 = std::isnan(args->x0) ? t.x0 : Vector::Constant(n, args->x0);
      if (!x0.allFinite()) throw ConfigError("--x0: expected a finite value");
      const MinimizeResult r =
          minimize(t.f, x0, o, Rng(args->seed, 0, Stream::kOptimizer), args->target);
      if (ctx.is_root()) {
        nlohmann::json j;
        j["function"] = args->function;
        j["dim"] = args->dim;
        j["optimizer"] = args->optimizer;
        j["seed"] = args->seed;
        j["evals"] = r.evals;
        j["best_f"] = r.best_f;
        j["reached"] = r.reached;
        j["generations"] = r.generations;
        j["stop"] = to_string(r.stop);
        std::cout << j.dump() << std::endl;
      }
      return kExitOk;
    };
  });
}

}  // namespace neurocma::cli

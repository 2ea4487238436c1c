// neurocma: train MLPs with SGD, Adam and CMA-ES and record the results.
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/core/signals.hpp"
#include "neurocma/core/version.hpp"

int main(int argc, char** argv) {
  using namespace neurocma;
  ParallelContext ctx(&argc, &argv);
  install_signal_handlers();
  CLI::App app{"neurocma: can CMA-ES train neural networks as well as SGD and Adam?"};
  app.set_version_flag("--version", version_string());
  app.require_subcommand(1);
  cli::Action action;
  cli::add_run_command(app, action, ctx);
  cli::add_tune_command(app, action, ctx);
  cli::add_optimize_command(app, action, ctx);
  cli::add_fetch_command(app, action, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parses the same command line and fails alike; one reports it.
    std::ostringstream discard;
    const int code =
        ctx.is_root() ? app.exit(e, std::cout, std::cerr) : app.exit(e, discard, discard);
    return code == 0 ? kExitOk : kExitUsage;
  }
  int code = kExitOk;
  try {
    code = action ? action() : kExitUsage;
  } catch (const ConfigError& e) {
    code = kExitUsage;
    // Under MPI one rank reports and every rank ends (no rank may hang).
    if (ctx.size() > 1) ctx.fail(code, e.what());
    std::cerr << "neurocma: error: " + std::string(e.what()) + "\n";
  } catch (const std::exception& e) {
    code = kExitRuntime;
    if (ctx.size() > 1) ctx.fail(code, e.what());
    std::cerr << "neurocma: error: " + std::string(e.what()) + "\n";
  }
  return code;
}

// `neurocma fetch-data mnist|fashion-mnist [--dest DIR] [--mirror URL]`:
// downloads the official IDX files into the per-user cache and checks them.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/data_loader.hpp"

namespace neurocma::cli {

void add_fetch_command(CLI::App& app, Action& action, ParallelContext& ctx) {
  struct Options {
    std::string name, dest, mirror;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "fetch-data", "Download MNIST or Fashion-MNIST into the cache and verify SHA-256 sums");
  sub->add_option("name", opt->name, "Data set")
      ->required()
      ->check(CLI::IsMember({"mnist", "fashion-mnist"}));
  sub->add_option("--dest", opt->dest,
                  "Target directory (default: $XDG_CACHE_HOME or ~/.cache, then neurocma/NAME)");
  sub->add_option("--mirror", opt->mirror,
                  "Base URL holding the four .gz files (http(s):// or file://)");
  sub->callback([&action, &ctx, opt]() {
    action = [&ctx, opt]() {
      // One download is enough; other ranks have nothing to do.
      if (!ctx.is_root()) return kExitOk;
      fetch_dataset(opt->name, opt->dest, opt->mirror, std::cout);
      return kExitOk;
    };
  });
}

}  // namespace neurocma::cli

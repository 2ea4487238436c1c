// Search spaces of `neurocma tune` from a config's `search` block (keyed by
// optimizer name, or by optimizer type for every optimizer of that type
// without a block of its own). See docs/tune.md.
#pragma once
#include <nlohmann/json.hpp>

#include "neurocma/app/config.hpp"
#include "neurocma/tune/search_space.hpp"

namespace neurocma {

// The space searched for `opt`: defaults (the study's ranges for a
// study-format config) overridden key by key from the search block.
// Throws ConfigError naming the config file and key on any problem.
SearchSpace search_space_for(const ExperimentConfig& cfg, const OptimizerConfig& opt);

// Checks the whole search block: every key names an optimizer (or a type) of
// the config, every parameter is tunable for it, every range is valid.
void validate_search(const ExperimentConfig& cfg);

// {"lr": {"low": .., "high": .., "log": .., "int": ..}, ...}
nlohmann::json space_to_json(const SearchSpace& space);

}  // namespace neurocma

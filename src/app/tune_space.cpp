// Parsing and checking the `search` block of a config.
#include "neurocma/app/tune_space.hpp"

#include <algorithm>

#include "neurocma/core/error.hpp"

namespace neurocma {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Validates `block` (one optimizer's entry) for optimizer type `type` and
// returns the resulting space.
SearchSpace parse_block(const nlohmann::json* block, const std::string& type,
                        const std::string& file, const std::string& prefix, bool study) {
  const std::vector<TunableParam>& tunables = optimizer_entry(type).tunables;
  std::vector<std::string> names;
  for (const TunableParam& t : tunables) names.push_back(t.native.name);
  if (block != nullptr) {
    if (!block->is_object())
      throw ConfigError(file + ": key '" + prefix + "': expected an object of parameter ranges");
    for (auto it = block->begin(); it != block->end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) == names.end())
        throw ConfigError(file + ": key '" + prefix + "." + it.key() +
                          "': not a tunable parameter of type '" + type + "' (expected " +
                          join(names) + ")");
    }
  }
  SearchSpace space;
  for (const TunableParam& t : tunables) {
    const std::string& name = t.native.name;
    ParamSpec p = study ? t.study : t.native;
    const std::string key = prefix + "." + name;
    if (block != nullptr && block->contains(name)) {
      const nlohmann::json& r = (*block)[name];
      if (!r.is_object())
        throw ConfigError(file + ": key '" + key + "': expected an object {low, high, log, int}");
      for (auto it = r.begin(); it != r.end(); ++it) {
        const std::string& k = it.key();
        const std::string full = file + ": key '" + key + "." + k + "'";
        if (k == "low" || k == "high") {
          if (!it->is_number()) throw ConfigError(full + ": expected a number");
          (k == "low" ? p.low : p.high) = it->get<double>();
        } else if (k == "log" || k == "int") {
          if (!it->is_boolean()) throw ConfigError(full + ": expected true or false");
          (k == "log" ? p.log : p.integer) = it->get<bool>();
        } else {
          throw ConfigError(full + ": unknown key (expected low, high, log, int)");
        }
      }
    }
    validate_param(p, file, prefix);
    space.push_back(p);
  }
  return space;
}

}  // namespace

SearchSpace search_space_for(const ExperimentConfig& cfg, const OptimizerConfig& opt) {
  const bool study = cfg.format == "study";
  if (opt.entry().tunables.empty())
    throw ConfigError(cfg.source + ": optimizer '" + opt.name + "': type '" + opt.type +
                      "' has no tunable parameters");
  const nlohmann::json* block = nullptr;
  std::string key;
  if (cfg.search.is_object()) {
    if (cfg.search.contains(opt.name)) {
      block = &cfg.search[opt.name];
      key = opt.name;
    } else if (cfg.search.contains(opt.type)) {
      block = &cfg.search[opt.type];
      key = opt.type;
    }
  }
  return parse_block(block, opt.type, cfg.source, "search." + key, study);
}

void validate_search(const ExperimentConfig& cfg) {
  if (cfg.search.is_null()) return;
  if (!cfg.search.is_object())
    throw ConfigError(cfg.source + ": key 'search': expected an object keyed by optimizer name");
  for (auto it = cfg.search.begin(); it != cfg.search.end(); ++it) {
    std::string type;
    for (const OptimizerConfig& o : cfg.optimizers)
      if (o.name == it.key()) type = o.type;
    if (type.empty())
      for (const OptimizerConfig& o : cfg.optimizers)
        if (o.type == it.key()) type = o.type;
    if (type.empty())
      throw ConfigError(cfg.source + ": key 'search." + it.key() +
                        "': no optimizer of this name or type in the config");
    if (optimizer_entry(type).tunables.empty())
      throw ConfigError(cfg.source + ": key 'search." + it.key() + "': type '" + type +
                        "' has no tunable parameters");
    parse_block(&it.value(), type, cfg.source, "search." + it.key(), cfg.format == "study");
  }
  for (const OptimizerConfig& o : cfg.optimizers)
    if (!o.entry().tunables.empty()) search_space_for(cfg, o);
}

nlohmann::json space_to_json(const SearchSpace& space) {
  nlohmann::json j = nlohmann::json::object();
  for (const ParamSpec& p : space)
    j[p.name] = {{"low", p.low}, {"high", p.high}, {"log", p.log}, {"int", p.integer}};
  return j;
}

}  // namespace neurocma

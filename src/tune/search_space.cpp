// Search-space defaults, validation and the log/integer transforms.
#include "neurocma/tune/search_space.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "neurocma/core/error.hpp"

namespace neurocma {

namespace {

std::string num(double v) {
  std::ostringstream s;
  s.precision(10);
  s << v;
  return s.str();
}

}  // namespace

void validate_param(const ParamSpec& p, const std::string& file, const std::string& prefix) {
  const std::string key = file + ": key '" + prefix + "." + p.name;
  if (!std::isfinite(p.low) || !std::isfinite(p.high))
    throw ConfigError(key + "': expected finite bounds, got [" + num(p.low) + ", " + num(p.high) +
                      "]");
  if (p.low > p.high)
    throw ConfigError(key + ".low': expected low <= high, got low " + num(p.low) + " > high " +
                      num(p.high));
  if (p.log && p.low <= 0)
    throw ConfigError(key + ".low': expected a positive bound on a log scale, got " + num(p.low));
  if (p.low < 0) throw ConfigError(key + ".low': expected a non-negative bound, got " + num(p.low));
  if (p.high <= 0) throw ConfigError(key + ".high': expected a positive bound, got " + num(p.high));
  const bool must_be_int = p.name == "popsize";
  if (must_be_int && !p.integer)
    throw ConfigError(key + ".int': expected true (popsize is an integer)");
  if (!must_be_int && p.integer)
    throw ConfigError(key + ".int': expected false (" + p.name + " is real-valued)");
  if (p.integer) {
    if (p.low != std::floor(p.low))
      throw ConfigError(key + ".low': expected an integer, got " + num(p.low));
    if (p.high != std::floor(p.high))
      throw ConfigError(key + ".high': expected an integer, got " + num(p.high));
  }
  if (p.name == "popsize" && p.low < 2)
    throw ConfigError(key + ".low': expected popsize >= 2, got " + num(p.low));
}

double to_internal(const ParamSpec& p, double x) {
  return p.log ? std::log(x) : x;
}

double from_internal(const ParamSpec& p, double u) {
  double x = p.log ? std::exp(u) : u;
  if (p.integer) x = std::round(x);
  return std::clamp(x, p.low, p.high);
}

double internal_low(const ParamSpec& p) {
  return p.integer ? to_internal(p, p.low - 0.5) : to_internal(p, p.low);
}

double internal_high(const ParamSpec& p) {
  return p.integer ? to_internal(p, p.high + 0.5) : to_internal(p, p.high);
}

}  // namespace neurocma

#include "neurocma/data/dataset_config.hpp"

#include "neurocma/core/error.hpp"

namespace neurocma {

SplitKind parse_split(const std::string& s) {
  if (s == "official") return SplitKind::kOfficial;
  if (s == "ratio") return SplitKind::kRatio;
  if (s == "sklearn") return SplitKind::kSklearn;
  throw ConfigError("dataset.split '" + s + "': expected official, ratio or sklearn");
}

std::string to_string(SplitKind s) {
  switch (s) {
    case SplitKind::kOfficial:
      return "official";
    case SplitKind::kRatio:
      return "ratio";
    case SplitKind::kSklearn:
      return "sklearn";
  }
  return "?";
}

}  // namespace neurocma

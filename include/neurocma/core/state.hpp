// Named arrays of doubles: the checkpoint form of any optimizer's state.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace neurocma {

using StateMap = std::map<std::string, std::vector<double>>;

}  // namespace neurocma

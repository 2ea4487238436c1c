// Program version and git commit, generated at configure time (version.cpp.in)
// so that a new commit recompiles one file, not the whole tree.
#pragma once
#include <string>

namespace neurocma {

const char* version();     // e.g. "0.1.0"
const char* git_commit();  // `git describe --always --dirty`, or "unknown"
// "0.1.0 (abc1234)"
inline std::string version_string() {
  return std::string(version()) + " (" + git_commit() + ")";
}

}  // namespace neurocma

#include "neurocma/io/reader.hpp"

#include <sstream>

namespace neurocma {

using json = nlohmann::json;

// A short rendering of a JSON value for error messages.
std::string describe(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string fmt_num(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

std::string join_quoted(const std::vector<std::string>& items) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += i + 1 == items.size() ? " or " : ", ";
    s += "\"" + items[i] + "\"";
  }
  return s;
}

// Names end up in file names and HDF5 group names.
bool is_safe_name(const std::string& s) {
  if (s.empty() || s.size() > kMaxNameLength || s == "." || s == "..") return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace neurocma

// Fisher's Iris data (Fisher 1936) from CSV text: a header line, then rows of
// sepal length, sepal width, petal length, petal width (cm), species 0..2.
#include "neurocma/data/iris.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "neurocma/core/error.hpp"

namespace neurocma {
namespace {

constexpr int kFeatures = 4;
constexpr int kClasses = 3;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(trim(field));
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

}  // namespace

Dataset parse_iris_csv(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  bool have_header = false;
  std::vector<double> values;
  std::vector<int> labels;
  while (std::getline(in, line)) {
    ++lineno;
    line = trim(line);
    if (line.empty()) continue;
    const std::vector<std::string> fields = split_fields(line);
    const std::string where = what + ":" + std::to_string(lineno) + ": ";
    if (fields.size() != kFeatures + 1)
      throw RuntimeError(where + "expected " + std::to_string(kFeatures + 1) +
                         " comma-separated fields, got " + std::to_string(fields.size()));
    if (!have_header) {
      have_header = true;
      // The header holds names; a number here means the header is missing.
      char* end = nullptr;
      std::strtod(fields[0].c_str(), &end);
      if (!fields[0].empty() && end && *end == '\0')
        throw RuntimeError(where + "expected a header line (column names), got data");
      continue;
    }
    for (int f = 0; f < kFeatures; ++f) {
      const std::string& s = fields[static_cast<std::size_t>(f)];
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
        throw RuntimeError(where + "field " + std::to_string(f + 1) + " '" + s +
                           "' is not a finite number");
      values.push_back(v);
    }
    const std::string& s = fields[kFeatures];
    char* end = nullptr;
    const long species = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || species < 0 || species >= kClasses)
      throw RuntimeError(where + "species '" + s + "' must be an integer 0, 1 or 2");
    labels.push_back(static_cast<int>(species));
  }
  if (labels.empty()) throw RuntimeError(what + ": no data rows");
  Dataset ds;
  ds.name = "iris";
  ds.num_classes = kClasses;
  ds.y = labels;
  ds.X = Eigen::Map<const Matrix>(values.data(), kFeatures, static_cast<Index>(labels.size()));
  return ds;
}

}  // namespace neurocma

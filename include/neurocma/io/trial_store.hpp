// The tune study file: JSON lines, a header line describing the study, then
// one line per finished trial, appended and fsync'ed as soon as the trial
// ends. See docs/tune.md for the schema and the resume rules.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace neurocma {

struct TrialRecord {
  std::string optimizer;                             // configured name
  std::string optimizer_type;                        // sgd | adam | cmaes
  int trial = 0;                                     // 0-based, per optimizer
  nlohmann::json params = nlohmann::json::object();  // name -> value
  double objective = 0;        // mean best val loss over seeds (NaN when failed)
  std::vector<double> values;  // per seed (NaN for a failed seed)
  std::vector<std::uint64_t> seeds;
  double time = 0;            // training seconds, summed over seeds
  std::string status = "ok";  // ok | failed
  std::string reason;         // why it failed (empty when ok)
  nlohmann::json space;       // the optimizer's search space (space_to_json)
};

nlohmann::json trial_to_json(const TrialRecord& r);
// Throws RuntimeError naming `where` (file:line) when a field is missing.
TrialRecord trial_from_json(const nlohmann::json& j, const std::string& where);

// Reads a study file: the header (if `header` is given) and every complete
// record, in file order. A last line cut short by a crash is skipped with a
// warning; any other unreadable line is a RuntimeError.
std::vector<TrialRecord> read_trials(const std::string& path, std::ostream& warn,
                                     nlohmann::json* header = nullptr);

// Opens a study file for appending. A new file gets `header` as its first
// line; an existing one must carry the same header (else ConfigError naming
// the file and the first differing key) and a cut-short last line is removed.
// Records repeating an (optimizer, trial) pair are ignored with a warning.
class TrialStore {
 public:
  TrialStore(const std::string& path, const nlohmann::json& header, std::ostream& warn);
  const std::string& path() const { return m_path; }
  const std::vector<TrialRecord>& records() const { return m_records; }
  // Appends one line and fsyncs it (a crash loses at most the trials in flight).
  void append(const TrialRecord& rec);

 private:
  std::string m_path;
  std::vector<TrialRecord> m_records;
};

}  // namespace neurocma

// JSON-lines study file of `neurocma tune`: append + fsync, tolerant resume.
#include "neurocma/io/trial_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <ostream>
#include <set>
#include <sstream>

#include "neurocma/core/error.hpp"

namespace neurocma {

namespace {

constexpr const char* kHeaderKey = "neurocma_tune";

double num_or_nan(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

// First key path where two JSON values differ ("" when equal).
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b,
                             const std::string& prefix) {
  if (a == b) return "";
  if (a.is_object() && b.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
      if (!b.contains(it.key())) return key;
      const std::string d = first_difference(it.value(), b[it.key()], key);
      if (!d.empty()) return d;
    }
    for (auto it = b.begin(); it != b.end(); ++it)
      if (!a.contains(it.key())) return prefix.empty() ? it.key() : prefix + "." + it.key();
  }
  return prefix.empty() ? "(header)" : prefix;
}

nlohmann::json at_path(const nlohmann::json& j, const std::string& path) {
  nlohmann::json cur = j;
  std::istringstream s(path);
  std::string part;
  while (std::getline(s, part, '.')) {
    if (!cur.is_object() || !cur.contains(part)) return nullptr;
    cur = cur[part];
  }
  return cur;
}

struct Parsed {
  nlohmann::json header;
  std::vector<TrialRecord> records;
  std::uintmax_t good_bytes = 0;  // length of the file up to its last complete line
  bool cut_short = false;
};

Parsed parse_file(const std::string& path, std::ostream& warn) {
  Parsed out;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError(path + ": cannot open for reading: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const bool complete = nl != std::string::npos;
    const std::string line = text.substr(pos, complete ? nl - pos : std::string::npos);
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!complete) {
      // The last write of a crashed run: keep it only if it is whole.
      if (j.is_discarded() || !j.is_object()) {
        warn << "neurocma: warning: " << where
             << ": ignoring a cut-short last line (interrupted write)\n";
        out.cut_short = true;
        break;
      }
    }
    const bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
    if (!blank) {
      if (j.is_discarded() || !j.is_object())
        throw RuntimeError(where + ": expected a JSON object per line");
      if (j.contains(kHeaderKey)) {
        if (!out.header.is_null()) throw RuntimeError(where + ": a second header line");
        out.header = j;
      } else {
        if (out.header.is_null())
          throw RuntimeError(where + ": trial record before the header line");
        out.records.push_back(trial_from_json(j, where));
      }
    }
    pos = complete ? nl + 1 : text.size();
    out.good_bytes = complete ? pos : text.size();
  }
  if (!out.cut_short) out.good_bytes = text.size();
  return out;
}

void write_all(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) throw RuntimeError(path + ": cannot open for appending: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string msg = std::strerror(errno);
      ::close(fd);
      throw RuntimeError(path + ": write failed: " + msg);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string msg = std::strerror(errno);
    ::close(fd);
    throw RuntimeError(path + ": fsync failed: " + msg);
  }
  ::close(fd);
}

}  // namespace

nlohmann::json trial_to_json(const TrialRecord& r) {
  nlohmann::json j;
  j["optimizer"] = r.optimizer;
  j["type"] = r.optimizer_type;
  j["trial"] = r.trial;
  j["params"] = r.params;
  j["objective"] = std::isfinite(r.objective) ? nlohmann::json(r.objective) : nlohmann::json();
  nlohmann::json values = nlohmann::json::array();
  for (double v : r.values)
    values.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
  j["values"] = values;
  j["seeds"] = r.seeds;
  j["time"] = r.time;
  j["status"] = r.status;
  if (!r.reason.empty()) j["reason"] = r.reason;
  j["space"] = r.space;
  return j;
}

TrialRecord trial_from_json(const nlohmann::json& j, const std::string& where) {
  TrialRecord r;
  try {
    r.optimizer = j.at("optimizer").get<std::string>();
    r.optimizer_type = j.at("type").get<std::string>();
    r.trial = j.at("trial").get<int>();
    r.params = j.at("params");
    r.objective = num_or_nan(j.at("objective"));
    for (const nlohmann::json& v : j.at("values")) r.values.push_back(num_or_nan(v));
    r.seeds = j.at("seeds").get<std::vector<std::uint64_t>>();
    r.time = j.value("time", 0.0);
    r.status = j.at("status").get<std::string>();
    r.reason = j.value("reason", std::string());
    r.space = j.value("space", nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    throw RuntimeError(where + ": not a valid trial record (" + e.what() + ")");
  }
  if (r.status != "ok" && r.status != "failed")
    throw RuntimeError(where + ": key 'status': expected ok or failed, got '" + r.status + "'");
  if (!r.params.is_object()) throw RuntimeError(where + ": key 'params': expected an object");
  if (r.status == "ok" && !std::isfinite(r.objective))
    r.status = "failed";  // an ok trial needs a finite objective
  return r;
}

std::vector<TrialRecord> read_trials(const std::string& path, std::ostream& warn,
                                     nlohmann::json* header) {
  Parsed p = parse_file(path, warn);
  if (header != nullptr) *header = p.header;
  return p.records;
}

TrialStore::TrialStore(const std::string& path, const nlohmann::json& header, std::ostream& warn)
    : m_path(path) {
  nlohmann::json h = header;
  h[kHeaderKey] = 1;
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(path, ec) && fs::file_size(path, ec) > 0;
  if (!exists) {
    write_all(path, h.dump() + "\n");
    return;
  }
  Parsed p = parse_file(path, warn);
  if (p.header.is_null() && p.records.empty() && p.cut_short) {
    // Crashed while writing the header: start afresh.
    fs::resize_file(path, 0, ec);
    write_all(path, h.dump() + "\n");
    return;
  }
  if (p.header.is_null())
    throw ConfigError(path + ": not a neurocma tune file (no header line); use another --out");
  const std::string diff = first_difference(p.header, h, "");
  if (!diff.empty()) {
    throw ConfigError(path + ": recorded study differs from this command in '" + diff +
                      "' (file: " + at_path(p.header, diff).dump() + ", now: " +
                      at_path(h, diff).dump() + "); use another --out or remove the file");
  }
  if (p.cut_short) fs::resize_file(path, p.good_bytes, ec);
  if (ec) throw RuntimeError(path + ": cannot truncate the cut-short line: " + ec.message());
  if (!p.cut_short && p.good_bytes > 0) {
    // A whole last record without its newline: finish the line before appending.
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    in.seekg(-1, std::ios::end);
    char last = '\n';
    in.get(last);
    if (last != '\n') write_all(path, "\n");
  }
  std::set<std::pair<std::string, int>> seen;
  for (TrialRecord& r : p.records) {
    if (!seen.insert({r.optimizer, r.trial}).second) {
      warn << "neurocma: warning: " << path << ": trial " << r.trial << " of '" << r.optimizer
           << "' recorded twice; keeping the first\n";
      continue;
    }
    m_records.push_back(std::move(r));
  }
}

void TrialStore::append(const TrialRecord& rec) {
  write_all(m_path, trial_to_json(rec).dump() + "\n");
  m_records.push_back(rec);
}

}  // namespace neurocma

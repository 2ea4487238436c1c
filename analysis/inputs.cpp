// Input discovery and loading for neurocma-analyze.
#include "inputs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "neurocma/core/error.hpp"

namespace fs = std::filesystem;

namespace neurocma::analysis {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// <dataset>.<optimizer>.csv: at least one dot before the extension.
bool study_csv_name(const std::string& filename) {
  if (!ends_with(filename, ".csv")) return false;
  const std::string stem = filename.substr(0, filename.size() - 4);
  const std::size_t dot = stem.find('.');
  return dot != std::string::npos && dot > 0 && dot + 1 < stem.size();
}

enum class Kind { kHdf5, kPartial, kCsv, kOther };

Kind classify(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  if (ends_with(name, ".partial")) return Kind::kPartial;
  if (ends_with(name, ".h5") || ends_with(name, ".hdf5")) return Kind::kHdf5;
  if (ends_with(name, ".csv")) return Kind::kCsv;
  return Kind::kOther;
}

std::string number_text(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

// What a value of metric m must be, or nullptr when x is one. Losses may be
// NaN or +inf (a diverged run: left out of the statistics with a note);
// counts may be -1 (unknown: study CSVs, files older than the counter). An
// accuracy is a fraction of a non-empty split, so never NaN.
const char* expected_value(const MetricInfo& m, double x) {
  const std::string name = m.name;
  const auto ends = [&](const char* suffix) { return ends_with(name, suffix); };
  if (ends("_acc")) return x >= 0 && x <= 1 ? nullptr : "an accuracy in [0, 1]";
  if (ends("_loss")) return x >= 0 || std::isnan(x) ? nullptr : "a loss >= 0 (or NaN)";
  if (name == "time") return x >= 0 && std::isfinite(x) ? nullptr : "a finite time >= 0 s";
  if (m.is_count()) return x >= -1 ? nullptr : "a count >= 0 (or -1, unknown)";
  if (name == "epochs") return x >= 0 ? nullptr : "a number of epochs >= 0";
  return nullptr;  // sigma, condition: diagnostics, not compared
}

// Garbage values would be averaged in and could be marked best (a test_acc
// of 9), so a run with one is refused with the file, run, metric and value.
void check_values(const std::string& path, const RunRecord& r) {
  const std::string run =
      path + ": " + r.dataset + "/" + r.optimizer + " run " + std::to_string(r.run_index);
  auto fail = [&](const std::string& where, const MetricInfo& m, double x, const char* want) {
    throw RuntimeError(where + ": " + m.name + " = " + number_text(x) + "; expected " + want);
  };
  for (const MetricInfo& m : run_metrics()) {
    if (!m.in_final()) continue;
    const double x = m.final_value(r.result);
    if (const char* want = expected_value(m, x)) fail(run, m, x, want);
  }
  const std::vector<EpochRecord>& h = r.result.history;
  for (std::size_t e = 0; e < h.size(); ++e) {
    for (const MetricInfo& m : run_metrics()) {
      if (!m.in_history()) continue;
      const double x = m.history_value(h[e]);
      if (const char* want = expected_value(m, x))
        fail(run + ", epoch " + std::to_string(e + 1), m, x, want);
    }
  }
}

void load_file(const std::string& path, LoadedInputs& out) {
  switch (classify(path)) {
    case Kind::kPartial:
      out.excluded.push_back(path +
                             ": incomplete results file (*.partial: the run crashed or "
                             "is still writing)");
      return;
    case Kind::kCsv: {
      std::vector<RunRecord> runs = read_study_csv(path);
      out.runs.insert(out.runs.end(), runs.begin(), runs.end());
      out.files.push_back(path);
      return;
    }
    case Kind::kHdf5:
    case Kind::kOther: {
      std::vector<RunRecord> runs;
      try {
        runs = read_results(path);
      } catch (const RuntimeError&) {
        // Readable when incompleteness is allowed: a valid file without its
        // completion marker. Otherwise the first error (corrupt, not ours) stands.
        bool readable_incomplete = false;
        try {
          read_results(path, /*allow_incomplete=*/true);
          readable_incomplete = true;
        } catch (const RuntimeError&) {
        }
        if (!readable_incomplete) throw;
        out.excluded.push_back(path +
                               ": incomplete results file (root attribute complete != 1: "
                               "the run crashed or is still writing)");
        return;
      }
      out.runs.insert(out.runs.end(), runs.begin(), runs.end());
      out.files.push_back(path);
      return;
    }
  }
}

}  // namespace

LoadedInputs load_inputs(const std::vector<std::string>& inputs) {
  LoadedInputs out;
  if (inputs.empty()) throw ConfigError("no inputs given, expected results files or directories");
  std::vector<std::string> files;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(in, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const std::string p = it->path().string();
        const std::string name = it->path().filename().string();
        const Kind kind = classify(p);
        if (kind == Kind::kHdf5 || kind == Kind::kPartial) {
          found.push_back(p);
        } else if (kind == Kind::kCsv) {
          if (study_csv_name(name))
            found.push_back(p);
          else
            out.skipped.push_back(p + ": not named <dataset>.<optimizer>.csv");
        }
      }
      if (ec) throw RuntimeError(in + ": cannot list directory: " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(in, ec)) {
      files.push_back(in);
    } else if (fs::exists(in + ".partial", ec)) {
      out.read.push_back(in + ".partial");
      out.excluded.push_back(in + ": only " + in +
                             ".partial exists (the run crashed or is still writing)");
    } else {
      throw ConfigError(in + ": no such file or directory");
    }
  }
  out.read.insert(out.read.end(), files.begin(), files.end());
  std::set<std::string> seen;  // the same file through a directory and by name
  // (dataset, optimizer, run) -> the file it came from: a run met twice (an
  // HDF5 file and the CSV written beside it, or two experiments whose
  // optimizers share a name) would be counted twice, so it is an error.
  std::map<std::tuple<std::string, std::string, int>, std::string> origin;
  for (const std::string& f : files) {
    std::error_code ec;
    const fs::path canon = fs::weakly_canonical(f, ec);
    if (!seen.insert(ec ? f : canon.string()).second) continue;
    const std::size_t before = out.runs.size();
    load_file(f, out);
    for (std::size_t i = before; i < out.runs.size(); ++i) {
      const RunRecord& r = out.runs[i];
      check_values(f, r);
      const auto [it, fresh] =
          origin.emplace(std::make_tuple(r.dataset, r.optimizer, r.run_index), f);
      if (!fresh) {
        throw ConfigError(f + ": run " + std::to_string(r.run_index) + " of " + r.dataset + "/" +
                          r.optimizer + " is also in " + it->second +
                          "; expected each run once (pass the HDF5 files or the CSVs, not both; "
                          "give the optimizers of different experiments different names)");
      }
    }
  }
  return out;
}

}  // namespace neurocma::analysis

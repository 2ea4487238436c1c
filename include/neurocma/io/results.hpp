// Results files: one HDF5 file per `neurocma run`, written to a temporary name
// and renamed when complete. Schema: docs/results-format.md.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "neurocma/train/record.hpp"

namespace neurocma {

// Everything stored about one (optimizer, run).
struct RunRecord {
  std::string optimizer;       // configured name
  std::string optimizer_type;  // sgd | adam | cmaes
  std::string hyperparams;     // JSON text
  std::uint64_t seed = 0;
  int run_index = 0;
  std::string dataset;
  std::string model_shape;  // e.g. "196-32-10"
  std::string config_json;  // the full resolved config
  std::string version;      // program version and git commit
  RunResult result;         // history + finals (final_params not stored)
};

// Writes runs into `path` + ".partial"; commit() flushes and renames it to path.
// If destroyed without commit(), the partial file is removed.
class ResultsWriter {
 public:
  explicit ResultsWriter(const std::string& path);
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;
  void add(const RunRecord& rec);
  void commit();
  const std::string& path() const { return m_path; }

  struct Impl;

 private:
  std::string m_path;
  std::unique_ptr<Impl> m_impl;
};

// Reads every run of a results file, in the order they were added. Throws
// RuntimeError naming the file when it is missing, not HDF5, not a neurocma
// results file, lacks the completion marker (unless allow_incomplete), or a
// run's optimizer or run_index attribute disagrees with the group it is stored
// in (/runs/<optimizer>/run_<NNN>), which also rules out a run index twice.
std::vector<RunRecord> read_results(const std::string& path, bool allow_incomplete = false);

// The study's CSV layout: DIR/<dataset>.<optimizer>.csv, leading index column,
// then time,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,model_evals
// where model_evals is the study's counter (RunResult::study_evals). One row per run,
// the index column is the run index. Creates DIR if needed; each file is written
// to a temporary name and renamed. With merge (a --run-range share of the runs),
// the rows of an existing file whose run indices are not among `records` are
// kept, so the shares of a job array add up to one file (a lock file,
// DIR/.csv.lock, serializes concurrent merging writers).
void write_study_csv(const std::string& dir, const std::vector<RunRecord>& records,
                     bool merge = false);

// Parses one such CSV back (dataset and optimizer from the file name
// <dataset>.<optimizer>.csv; run_index from the index column; the model_evals
// column into study_evals; model_evals and grad_evals are -1, unknown). A
// leading UTF-8 byte-order mark (Excel, pandas utf-8-sig) is skipped. Throws
// RuntimeError naming the file, e.g. for a run index on two lines.
std::vector<RunRecord> read_study_csv(const std::string& path);

}  // namespace neurocma

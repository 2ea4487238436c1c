// End-of-run summary table and the live progress line of `neurocma run`.
#pragma once
#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "neurocma/io/results.hpp"

namespace neurocma {

// mean ± std (sample std) per data set and optimizer for each final metric,
// the Mann-Whitney best set of each column in bold (ANSI on a terminal, else
// Markdown's **).
void print_summary(std::ostream& out, const std::vector<RunRecord>& records, bool ansi);

// Progress on stderr: a live line on a terminal, plain log lines otherwise.
class Progress {
 public:
  Progress(int total_jobs, int max_epochs, bool quiet);
  void job_started(int run, const std::string& optimizer);
  void epoch(int run, const std::string& optimizer, int epoch, double val_acc);
  void job_finished(const RunRecord& rec);
  void finish();

 private:
  std::string eta(double job_fraction) const;
  int m_total, m_max_epochs, m_done = 0;
  bool m_quiet, m_tty;
  double m_last_log = 0.0;
  std::chrono::steady_clock::time_point m_t0;
};

}  // namespace neurocma

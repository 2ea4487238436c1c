#include "summary.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

namespace neurocma::cli {
namespace {

std::string mean_std(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  double s = 0.0;
  for (double x : v) s += (x - m) * (x - m);
  s = v.size() > 1 ? std::sqrt(s / static_cast<double>(v.size() - 1)) : 0.0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g ± %.2g", m, s);
  return buf;
}

std::string clock_string(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

void print_summary(std::ostream& out, const std::vector<RunRecord>& records) {
  static const char* kCols[] = {"time",      "train_loss", "train_acc",   "val_loss",   "val_acc",
                                "test_loss", "test_acc",   "model_evals", "grad_evals", "epochs"};
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::vector<double>>> by_opt;
  for (const RunRecord& r : records) {
    const std::string key = r.dataset + "/" + r.optimizer;
    if (!by_opt.count(key)) order.push_back(key);
    const RunResult& f = r.result;
    auto& cols = by_opt[key];
    cols.resize(10);
    const double vals[] = {f.time,
                           f.train_loss,
                           f.train_acc,
                           f.val_loss,
                           f.val_acc,
                           f.test_loss,
                           f.test_acc,
                           static_cast<double>(f.model_evals),
                           static_cast<double>(f.grad_evals),
                           static_cast<double>(f.epochs)};
    for (int i = 0; i < 10; ++i) cols[static_cast<size_t>(i)].push_back(vals[i]);
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header{"optimizer", "runs"};
  for (const char* c : kCols) header.push_back(c);
  rows.push_back(header);
  for (const std::string& key : order) {
    const auto& cols = by_opt[key];
    std::vector<std::string> row{key, std::to_string(cols[0].size())};
    for (const auto& c : cols) row.push_back(mean_std(c));
    rows.push_back(row);
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      // "±" is two bytes but one column.
      size_t w = row[i].size();
      if (row[i].find("±") != std::string::npos) w -= 1;
      width[i] = std::max(width[i], w);
    }
  out << "\nSummary (mean ± std over runs; test metrics on the "
      << "weights with the best validation loss unless test_on=last):\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    out << "|";
    for (size_t i = 0; i < rows[r].size(); ++i) {
      size_t w = rows[r][i].size();
      if (rows[r][i].find("±") != std::string::npos) w -= 1;
      out << ' ' << rows[r][i] << std::string(width[i] - w, ' ') << " |";
    }
    out << "\n";
    if (r == 0) {
      out << "|";
      for (size_t i = 0; i < rows[r].size(); ++i) out << std::string(width[i] + 2, '-') << "|";
      out << "\n";
    }
  }
  out.flush();
}

Progress::Progress(int total_jobs, int max_epochs, bool quiet)
    : m_total(total_jobs),
      m_max_epochs(max_epochs),
      m_quiet(quiet),
      m_tty(isatty(STDERR_FILENO) != 0),
      m_t0(std::chrono::steady_clock::now()) {}

std::string Progress::eta(double job_fraction) const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_t0).count();
  const double done = static_cast<double>(m_done) + job_fraction;
  if (done <= 0.0) return "?";
  return clock_string(elapsed / done * (static_cast<double>(m_total) - done));
}

void Progress::job_started(int run, const std::string& optimizer) {
  if (m_quiet || m_tty) return;
  std::cerr << "[neurocma] start run " << run << " " << optimizer << "\n";
}

void Progress::epoch(int run, const std::string& optimizer, int epoch, double val_acc) {
  if (m_quiet) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_t0).count();
  const double frac = std::min(1.0, static_cast<double>(epoch) / std::max(1, m_max_epochs));
  std::ostringstream line;
  line << "job " << (m_done + 1) << "/" << m_total << "  run " << run << "  " << optimizer
       << "  epoch " << epoch << "  val_acc " << std::fixed << std::setprecision(4) << val_acc
       << "  elapsed " << clock_string(elapsed) << "  ETA " << eta(frac);
  if (m_tty) {
    std::cerr << "\r\033[K" << line.str() << std::flush;
  } else if (elapsed - m_last_log >= 10.0) {
    // Plain logs (files, Slurm): one epoch line every 10 s at most.
    m_last_log = elapsed;
    std::cerr << "[neurocma] " << line.str() << "\n";
  }
}

void Progress::job_finished(const RunRecord& rec) {
  ++m_done;
  if (m_quiet) return;
  std::ostringstream line;
  line << "done " << m_done << "/" << m_total << "  run " << rec.run_index << "  " << rec.optimizer
       << "  epochs " << rec.result.epochs << "  test_acc " << std::fixed << std::setprecision(4)
       << rec.result.test_acc << "  (" << rec.result.stop_reason << ", " << std::setprecision(2)
       << rec.result.time << " s)";
  if (m_tty) std::cerr << "\r\033[K";
  std::cerr << "[neurocma] " << line.str() << "\n";
}

void Progress::finish() {
  if (!m_quiet && m_tty) std::cerr << "\r\033[K" << std::flush;
}

}  // namespace neurocma::cli

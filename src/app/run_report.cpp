#include "neurocma/app/run_report.hpp"

#include "neurocma/core/terminal.hpp"
#include "neurocma/stats/compare.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

namespace neurocma {
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

void print_summary(std::ostream& out, const std::vector<RunRecord>& records, bool ansi) {
  // The final metrics of the run record's table; the study's counter is in
  // the results file and the CSV, not in this summary.
  struct Col {
    const MetricInfo* m;
    Better better;
    bool tested;  // highlighted by the Mann-Whitney best set
  };
  std::vector<Col> kCols;
  for (const MetricInfo& m : run_metrics()) {
    const std::string name = m.name;
    if (!m.in_final() || name == "study_evals") continue;
    kCols.push_back({&m, m.better == MetricDirection::kHigher ? Better::kHigher : Better::kLower,
                     name != "grad_evals" && name != "epochs"});
  }
  const std::size_t kN = kCols.size();
  auto value = [&](const RunResult& f, std::size_t c) { return kCols[c].m->final_value(f); };
  // Per data set, the optimizers in order of first appearance.
  std::vector<std::string> datasets;
  std::map<std::string, std::vector<std::string>> order;
  std::map<std::string, std::vector<std::vector<double>>> cols;  // key dataset/optimizer
  for (const RunRecord& r : records) {
    const std::string key = r.dataset + "/" + r.optimizer;
    if (!order.count(r.dataset)) datasets.push_back(r.dataset);
    if (!cols.count(key)) order[r.dataset].push_back(r.optimizer);
    auto& c = cols[key];
    c.resize(kN);
    for (std::size_t i = 0; i < kN; ++i) c[i].push_back(value(r.result, i));
  }
  CompareOptions copt;
  copt.alpha = 0.05;
  copt.min_n = 2;
  auto width_of = [](const std::string& s) {
    // "±" is two bytes but one column; escape sequences take none.
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\033') {
        while (i < s.size() && s[i] != 'm') ++i;
        continue;
      }
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++w;
    }
    return w;
  };
  out << "\nSummary: mean ± std over runs. Bold: the best mean of a column and every optimizer "
         "whose two-sided Mann-Whitney U p-value against it is >= 0.05.\n";
  for (const std::string& ds : datasets) {
    const std::vector<std::string>& opts = order[ds];
    std::vector<std::vector<bool>> best(kN);
    for (std::size_t c = 0; c < kN; ++c) {
      std::vector<std::vector<double>> samples;
      for (const std::string& o : opts) samples.push_back(cols[ds + "/" + o][c]);
      const GroupComparison cmp = compare_groups(samples, kCols[c].better, copt);
      best[c] = kCols[c].tested ? cmp.is_best : std::vector<bool>(opts.size(), false);
    }
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header{ds, "runs"};
    for (const Col& c : kCols) header.push_back(c.m->name);
    rows.push_back(header);
    for (std::size_t g = 0; g < opts.size(); ++g) {
      const auto& c = cols[ds + "/" + opts[g]];
      std::vector<std::string> row{opts[g], std::to_string(c[0].size())};
      for (std::size_t i = 0; i < kN; ++i) {
        const std::string cell = mean_std(c[i]);
        if (!best[i][g])
          row.push_back(cell);
        else
          row.push_back(ansi ? "\033[1m" + cell + "\033[0m" : "**" + cell + "**");
      }
      rows.push_back(row);
    }
    std::vector<std::size_t> width(header.size(), 0);
    for (const auto& row : rows)
      for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], width_of(row[i]));
    out << "\n";
    for (std::size_t r = 0; r < rows.size(); ++r) {
      out << "|";
      for (std::size_t i = 0; i < rows[r].size(); ++i)
        out << ' ' << rows[r][i] << std::string(width[i] - width_of(rows[r][i]), ' ') << " |";
      out << "\n";
      if (r == 0) {
        out << "|";
        for (std::size_t i = 0; i < rows[r].size(); ++i)
          out << std::string(width[i] + 2, '-') << "|";
        out << "\n";
      }
    }
  }
  out.flush();
}

Progress::Progress(int total_jobs, int max_epochs, bool quiet)
    : m_total(total_jobs),
      m_max_epochs(max_epochs),
      m_quiet(quiet),
      m_tty(interactive_terminal(STDERR_FILENO)),
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
       << rec.result.test_acc << "  (" << rec.result.stop.text() << ", " << std::setprecision(2)
       << rec.result.time << " s)";
  if (m_tty) std::cerr << "\r\033[K";
  std::cerr << "[neurocma] " << line.str() << "\n";
}

void Progress::finish() {
  if (!m_quiet && m_tty) std::cerr << "\r\033[K" << std::flush;
}

}  // namespace neurocma

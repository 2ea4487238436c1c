// Markdown, LaTeX, CSV and JSON renderings of the analysis. Markdown and LaTeX
// share one table model; CSV is a tidy long table; JSON carries everything.
#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "neurocma/core/error.hpp"

namespace neurocma::analysis {

Format parse_format(const std::string& name) {
  if (name == "md" || name == "markdown") return Format::kMarkdown;
  if (name == "csv") return Format::kCsv;
  if (name == "tex" || name == "latex") return Format::kLatex;
  if (name == "json") return Format::kJson;
  throw ConfigError("--format: unknown value '" + name + "', expected md, csv, tex or json");
}

std::string fmt4(double v) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string mean_std_cell(const Summary& s, bool latex) {
  if (s.n == 0) return "n/a";
  return fmt4(s.mean) + (latex ? " $\\pm$ " : " ± ") + fmt4(s.std);
}

namespace {

struct Cell {
  std::string text;
  bool bold = false;
};

struct Table {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '*') out += '\\';
    out += c;
  }
  return out;
}

std::string tex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '_':
      case '%':
      case '&':
      case '#':
      case '$':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '\\':
        out += "\\textbackslash{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string better_text(Better b) {
  return b == Better::kLower ? "lower is better" : "higher is better";
}

std::string correction_suffix(const AnalysisOptions& o) {
  return o.correction == Correction::kHolm ? ", Holm-adjusted" : "";
}

Table main_table(const DatasetAnalysis& d, bool latex) {
  Table t;
  t.caption = d.dataset +
              ": mean ± std over runs; bold: best mean of the column and every "
              "optimizer not significantly different from it";
  t.header.push_back("optimizer");
  for (const MetricAnalysis& m : d.metrics) t.header.push_back(m.metric);
  for (std::size_t g = 0; g < d.optimizers.size(); ++g) {
    std::vector<Cell> row{{d.optimizers[g], false}};
    for (const MetricAnalysis& m : d.metrics)
      row.push_back({mean_std_cell(m.cmp.summary[g], latex), static_cast<bool>(m.cmp.is_best[g])});
    t.rows.push_back(row);
  }
  return t;
}

std::string pcell(const MetricAnalysis& m, const Matrix& p, std::size_t i, std::size_t j) {
  if (i == j) return "-";
  if (!m.cmp.tested[i] || !m.cmp.tested[j]) return "n/a";
  return fmt4(p(static_cast<Index>(i), static_cast<Index>(j)));
}

Table two_sided_table(const DatasetAnalysis& d, const MetricAnalysis& m, const AnalysisOptions& o) {
  Table t;
  t.caption =
      d.dataset + ", " + m.metric + ": two-sided Mann-Whitney U p-values" + correction_suffix(o);
  t.header.push_back("");
  for (const std::string& n : d.optimizers) t.header.push_back(n);
  for (std::size_t i = 0; i < d.optimizers.size(); ++i) {
    std::vector<Cell> row{{d.optimizers[i], false}};
    for (std::size_t j = 0; j < d.optimizers.size(); ++j)
      row.push_back({pcell(m, m.cmp.p_two_sided_adj, i, j), false});
    t.rows.push_back(row);
  }
  return t;
}

Table a12_table(const DatasetAnalysis& d, const MetricAnalysis& m) {
  Table t;
  t.caption = d.dataset + ", " + m.metric + ": Vargha-Delaney A12 = P(row > column) + P(tie)/2";
  t.header.push_back("");
  for (const std::string& n : d.optimizers) t.header.push_back(n);
  for (std::size_t i = 0; i < d.optimizers.size(); ++i) {
    std::vector<Cell> row{{d.optimizers[i], false}};
    for (std::size_t j = 0; j < d.optimizers.size(); ++j)
      row.push_back({pcell(m, m.cmp.a12, i, j), false});
    t.rows.push_back(row);
  }
  return t;
}

Table better_table(const DatasetAnalysis& d, const MetricAnalysis& m, const AnalysisOptions& o) {
  Table t;
  t.caption = d.dataset + ", " + m.metric +
              ": one-sided p-values that the ROW is better than "
              "the COLUMN (alternative '" +
              to_string(m.cmp.better_alternative) + "', " + better_text(m.better) +
              correction_suffix(o) + ")";
  t.header = {"optimizer", "mean", "std"};
  for (const std::string& n : d.optimizers) t.header.push_back(n);
  for (std::size_t i = 0; i < d.optimizers.size(); ++i) {
    const Summary& s = m.cmp.summary[i];
    std::vector<Cell> row{{d.optimizers[i], false}, {fmt4(s.mean), false}, {fmt4(s.std), false}};
    for (std::size_t j = 0; j < d.optimizers.size(); ++j)
      row.push_back({pcell(m, m.cmp.p_better_adj, i, j), false});
    t.rows.push_back(row);
  }
  return t;
}

void md_table(std::ostream& os, const Table& t) {
  os << "| ";
  for (std::size_t c = 0; c < t.header.size(); ++c)
    os << (c ? " | " : "") << md_escape(t.header[c]);
  os << " |\n|";
  for (std::size_t c = 0; c < t.header.size(); ++c) os << (c ? "---:|" : "---|");
  os << "\n";
  for (const std::vector<Cell>& row : t.rows) {
    os << "| ";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string text = c == 0 ? md_escape(row[c].text) : row[c].text;
      os << (c ? " | " : "") << (row[c].bold ? "**" + text + "**" : text);
    }
    os << " |\n";
  }
  os << "\n";
}

void tex_table(std::ostream& os, const Table& t) {
  os << "\\begin{table}[ht]\n\\centering\n\\caption{" << tex_escape(t.caption) << "}\n"
     << "\\begin{tabular}{l";
  for (std::size_t c = 1; c < t.header.size(); ++c) os << 'r';
  os << "}\n\\hline\n";
  for (std::size_t c = 0; c < t.header.size(); ++c)
    os << (c ? " & " : "") << tex_escape(t.header[c]);
  os << " \\\\\n\\hline\n";
  for (const std::vector<Cell>& row : t.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      // Cells other than names are produced by fmt4/mean_std_cell (already TeX-safe).
      const std::string text = c == 0 ? tex_escape(row[c].text) : row[c].text;
      os << (c ? " & " : "") << (row[c].bold ? "\\textbf{" + text + "}" : text);
    }
    os << " \\\\\n";
  }
  os << "\\hline\n\\end{tabular}\n\\end{table}\n\n";
}

std::string counts_line(const DatasetAnalysis& d) {
  std::string s = "Runs:";
  for (std::size_t g = 0; g < d.optimizers.size(); ++g) {
    s += (g ? ", " : " ") + d.optimizers[g] + " n=" + std::to_string(d.runs[g].size());
    if (d.runs[g].size() < 2) s += " (fewer than 2 runs: std and tests n/a)";
  }
  return s + ".";
}

std::string settings_line(const AnalysisOptions& o) {
  return "Mann-Whitney U tests (SciPy method='auto'), alpha = " + fmt4(o.alpha) +
         ", correction = " + to_string(o.correction) +
         ". Best: the best mean of a column plus every optimizer whose two-sided p-value "
         "against it is >= alpha.";
}

}  // namespace

std::string render_markdown(const Analysis& a, const std::vector<std::string>& excluded) {
  std::ostringstream os;
  os << "# neurocma-analyze report\n\n"
     << settings_line(a.options) << "\n\n"
     << counting_text(a.counting) << "\n\n";
  if (!excluded.empty()) {
    os << "Excluded inputs:\n\n";
    for (const std::string& e : excluded) os << "- " << e << "\n";
    os << "\n";
  }
  if (!a.notes.empty()) {
    os << "Notes:\n\n";
    for (const std::string& n : a.notes) os << "- " << n << "\n";
    os << "\n";
  }
  for (const DatasetAnalysis& d : a.datasets) {
    os << "## " << d.dataset << "\n\n";
    const Table t = main_table(d, false);
    os << t.caption << ".\n\n";
    md_table(os, t);
    os << counts_line(d) << "\n\n";
    for (const MetricAnalysis& m : d.metrics) {
      os << "### " << d.dataset << ": " << m.metric << " (" << better_text(m.better) << ")\n\n";
      for (const Table& pt :
           {two_sided_table(d, m, a.options), a12_table(d, m), better_table(d, m, a.options)}) {
        os << pt.caption << ":\n\n";
        md_table(os, pt);
      }
    }
  }
  return os.str();
}

std::string render_latex(const Analysis& a, const std::vector<std::string>& excluded) {
  std::ostringstream os;
  os << "% neurocma-analyze report. " << settings_line(a.options) << "\n% "
     << counting_text(a.counting) << "\n";
  for (const std::string& e : excluded) os << "% excluded: " << e << "\n";
  for (const std::string& n : a.notes) os << "% note: " << n << "\n";
  os << "\n";
  for (const DatasetAnalysis& d : a.datasets) {
    tex_table(os, main_table(d, true));
    os << "% " << counts_line(d) << "\n\n";
    for (const MetricAnalysis& m : d.metrics) {
      tex_table(os, two_sided_table(d, m, a.options));
      tex_table(os, a12_table(d, m));
      tex_table(os, better_table(d, m, a.options));
    }
  }
  return os.str();
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_num(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string render_csv(const Analysis& a) {
  std::ostringstream os;
  os << "section,dataset,metric,optimizer,other,n,mean,std,median,best,u,p_two_sided,"
        "p_two_sided_adj,p_better,p_better_adj,a12,counting\n";
  for (const DatasetAnalysis& d : a.datasets) {
    for (const MetricAnalysis& m : d.metrics) {
      for (std::size_t g = 0; g < d.optimizers.size(); ++g) {
        const Summary& s = m.cmp.summary[g];
        os << "summary," << csv_field(d.dataset) << ',' << m.metric << ','
           << csv_field(d.optimizers[g]) << ",," << s.n << ',' << csv_num(s.mean) << ','
           << csv_num(s.std) << ',' << csv_num(s.median) << ',' << (m.cmp.is_best[g] ? 1 : 0)
           << ",,,,,,," << to_string(a.counting) << "\n";
      }
      for (std::size_t i = 0; i < d.optimizers.size(); ++i) {
        for (std::size_t j = 0; j < d.optimizers.size(); ++j) {
          if (i == j || !m.cmp.tested[i] || !m.cmp.tested[j]) continue;
          const Index r = static_cast<Index>(i), c = static_cast<Index>(j);
          os << "pair," << csv_field(d.dataset) << ',' << m.metric << ','
             << csv_field(d.optimizers[i]) << ',' << csv_field(d.optimizers[j]) << ",,,,,,"
             << csv_num(m.cmp.u(r, c)) << ',' << csv_num(m.cmp.p_two_sided(r, c)) << ','
             << csv_num(m.cmp.p_two_sided_adj(r, c)) << ',' << csv_num(m.cmp.p_better(r, c)) << ','
             << csv_num(m.cmp.p_better_adj(r, c)) << ',' << csv_num(m.cmp.a12(r, c)) << ','
             << to_string(a.counting) << "\n";
        }
      }
    }
  }
  return os.str();
}

namespace {

nlohmann::ordered_json json_num(double v) {
  if (!std::isfinite(v)) return nullptr;  // JSON has no NaN or infinity
  return v;
}

nlohmann::ordered_json matrix_json(const Matrix& m) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (Index i = 0; i < m.rows(); ++i) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (Index j = 0; j < m.cols(); ++j) row.push_back(json_num(m(i, j)));
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

std::string render_json(const Analysis& a, const std::vector<std::string>& excluded) {
  using nlohmann::ordered_json;
  ordered_json j;
  j["alpha"] = a.options.alpha;
  j["correction"] = to_string(a.options.correction);
  j["metrics"] = a.options.metrics;
  j["counting"] = to_string(a.counting);
  j["counting_text"] = counting_text(a.counting);
  j["excluded"] = excluded;
  j["notes"] = a.notes;
  j["datasets"] = ordered_json::array();
  for (const DatasetAnalysis& d : a.datasets) {
    ordered_json dj;
    dj["dataset"] = d.dataset;
    dj["optimizers"] = d.optimizers;
    ordered_json groups = ordered_json::array();
    for (std::size_t g = 0; g < d.optimizers.size(); ++g) {
      ordered_json gj;
      gj["optimizer"] = d.optimizers[g];
      gj["runs"] = d.runs[g].size();
      ordered_json mj;
      for (const MetricAnalysis& m : d.metrics) {
        const Summary& s = m.cmp.summary[g];
        mj[m.metric] = {{"n", s.n},
                        {"mean", json_num(s.mean)},
                        {"std", json_num(s.std)},
                        {"median", json_num(s.median)},
                        {"best", static_cast<bool>(m.cmp.is_best[g])}};
      }
      gj["metrics"] = mj;
      groups.push_back(gj);
    }
    dj["groups"] = groups;
    ordered_json pj;
    for (const MetricAnalysis& m : d.metrics) {
      pj[m.metric] = {
          {"better", m.better == Better::kLower ? "lower" : "higher"},
          {"best", m.cmp.best >= 0 ? ordered_json(d.optimizers[m.cmp.best]) : ordered_json()},
          {"u", matrix_json(m.cmp.u)},
          {"p_two_sided", matrix_json(m.cmp.p_two_sided)},
          {"p_two_sided_adj", matrix_json(m.cmp.p_two_sided_adj)},
          {"better_alternative", to_string(m.cmp.better_alternative)},
          {"p_better", matrix_json(m.cmp.p_better)},
          {"p_better_adj", matrix_json(m.cmp.p_better_adj)},
          {"a12", matrix_json(m.cmp.a12)},
      };
    }
    dj["pairwise"] = pj;
    j["datasets"].push_back(dj);
  }
  return j.dump(2) + "\n";
}

std::string render(const Analysis& a, Format format, const std::vector<std::string>& excluded) {
  switch (format) {
    case Format::kMarkdown:
      return render_markdown(a, excluded);
    case Format::kLatex:
      return render_latex(a, excluded);
    case Format::kCsv:
      return render_csv(a);
    case Format::kJson:
      return render_json(a, excluded);
  }
  return {};
}

}  // namespace neurocma::analysis

// Rendering of an Analysis as Markdown, LaTeX, CSV or JSON text.
#pragma once
#include <string>
#include <vector>

#include "study.hpp"

namespace neurocma::analysis {

enum class Format { kMarkdown, kCsv, kLatex, kJson };
Format parse_format(const std::string& name);  // md | csv | tex | json; ConfigError

// Number with 4 significant digits ("n/a" for NaN).
std::string fmt4(double v);
// The main-table cell: "mean ± std" (std "n/a" when n < 2; "n/a" when n == 0).
std::string mean_std_cell(const Summary& s, bool latex = false);

// The whole report. `excluded` lists the input files left out (one line each).
std::string render(const Analysis& a, Format format, const std::vector<std::string>& excluded);

std::string render_markdown(const Analysis& a, const std::vector<std::string>& excluded);
std::string render_latex(const Analysis& a, const std::vector<std::string>& excluded);
std::string render_csv(const Analysis& a);
std::string render_json(const Analysis& a, const std::vector<std::string>& excluded);

}  // namespace neurocma::analysis

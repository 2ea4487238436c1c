// Comparison of an analysis with published numbers (--reference FILE), e.g.
// the earlier study's tables (analysis/reference/study_published.json).
#pragma once
#include <string>
#include <vector>

#include "study.hpp"

namespace neurocma::analysis {

struct ReferenceRow {
  std::string dataset, optimizer, metric;
  double ref_mean = 0, ref_std = 0;
  int ref_n = 0;
  Summary ours;     // n = 0 when this analysis has no such group
  double diff = 0;  // |ours.mean - ref_mean|
  // 2.6 * sqrt(ref_std^2 / ref_n + ours.std^2 / ours.n): a difference of the
  // means within about 2.6 standard errors (two-sided 1%).
  double tolerance = 0;
  bool within = false;
};

struct ReferenceComparison {
  std::string source, note;
  std::string counting;  // the reference's counting convention
  std::vector<ReferenceRow> rows;
  std::vector<std::string> notes;
};

// Reads FILE ({"source", "runs", "counting", "datasets": {dataset: {optimizer:
// {metric: [mean, std]}}}}) and lines it up with `a`. ConfigError names the
// file and key of a malformed reference.
ReferenceComparison compare_with_reference(const Analysis& a, const std::string& path);

// Markdown section: per data set the published and the reproduced mean ± std,
// the difference, the tolerance and whether it holds.
std::string render_reference_markdown(const ReferenceComparison& c);

}  // namespace neurocma::analysis

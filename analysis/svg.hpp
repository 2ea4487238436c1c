// A small self-contained SVG chart writer (axes with "nice" ticks, title,
// axis labels, legend): lines, ±bands, scatter points and box plots. Enough
// for the analysis plots without depending on gnuplot or matplotlib.
#pragma once
#include <string>
#include <vector>

namespace neurocma::analysis {

// Tukey box: quartiles by linear interpolation (NumPy's default), whiskers at
// the most extreme values within 1.5 IQR of the box, the rest outliers.
struct BoxStats {
  double q1 = 0, median = 0, q3 = 0, whisker_lo = 0, whisker_hi = 0;
  std::vector<double> outliers;
  std::size_t n = 0;
};
BoxStats box_stats(std::vector<double> values);  // values must be non-empty

// Quantile q in [0, 1] of sorted values, linear interpolation.
double quantile_sorted(const std::vector<double>& sorted, double q);

// Up to ~target evenly spaced round numbers (1, 2, 2.5 or 5 x 10^k) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

const std::string& palette(std::size_t i);  // distinct colours, cycling

class SvgChart {
 public:
  SvgChart(std::string title, std::string xlabel, std::string ylabel, int width = 760,
           int height = 480);

  // Data series (x, y in data units). A label adds a legend entry.
  void line(const std::vector<double>& x, const std::vector<double>& y, const std::string& color,
            const std::string& label);
  void band(const std::vector<double>& x, const std::vector<double>& lo,
            const std::vector<double>& hi, const std::string& color);
  void points(const std::vector<double>& x, const std::vector<double>& y, const std::string& color,
              const std::string& label);
  // Box at category position `pos` (1, 2, ...) with a tick label.
  void box(double pos, const BoxStats& b, const std::string& color, const std::string& category);

  std::string str() const;
  void save(const std::string& path) const;  // RuntimeError naming the file

 private:
  struct Series {
    enum Kind { kLine, kBand, kPoints, kBox } kind;
    std::vector<double> x, y, y2;
    std::string color, label;
    BoxStats box;
  };
  void data_range(double& xlo, double& xhi, double& ylo, double& yhi) const;

  std::string m_title, m_xlabel, m_ylabel;
  int m_width, m_height;
  std::vector<Series> m_series;
  std::vector<std::pair<double, std::string>> m_categories;  // box plot x ticks
};

}  // namespace neurocma::analysis

// Minimal SVG charts for neurocma-analyze; see svg.hpp.
#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "neurocma/core/error.hpp"

namespace neurocma::analysis {

double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const std::size_t i = static_cast<std::size_t>(std::floor(pos));
  const double frac = pos - static_cast<double>(i);
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

BoxStats box_stats(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  BoxStats b;
  b.n = values.size();
  b.q1 = quantile_sorted(values, 0.25);
  b.median = quantile_sorted(values, 0.5);
  b.q3 = quantile_sorted(values, 0.75);
  const double iqr = b.q3 - b.q1;
  const double lo_fence = b.q1 - 1.5 * iqr, hi_fence = b.q3 + 1.5 * iqr;
  b.whisker_lo = b.q1;
  b.whisker_hi = b.q3;
  for (double v : values) {
    if (v < lo_fence || v > hi_fence) {
      b.outliers.push_back(v);
    } else {
      b.whisker_lo = std::min(b.whisker_lo, v);
      b.whisker_hi = std::max(b.whisker_hi, v);
    }
  }
  return b;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  const double first = std::floor(lo / step + 1e-9) * step;
  const double last = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> ticks;
  for (int i = 0; first + i * step <= last + step * 1e-6 && i < 100; ++i) {
    const double t = first + i * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);  // avoid "-0"
  }
  return ticks;
}

const std::string& palette(std::size_t i) {
  static const std::vector<std::string> colors{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                               "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                               "#bcbd22", "#17becf"};
  return colors[i % colors.size()];
}

namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string px_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Tick labels with just enough decimals for the tick spacing.
std::string tick_label(double v, double step) {
  char buf[32];
  const double a = std::max(std::abs(v), step);
  if (a >= 1e5 || a < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    // 2.5 x 10^k needs one more digit than 10^k
    if (std::abs(step / std::pow(10.0, -decimals) - std::round(step / std::pow(10.0, -decimals))) >
        1e-6)
      ++decimals;
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return buf;
}

void widen(double v, double& lo, double& hi) {
  if (!std::isfinite(v)) return;
  lo = std::min(lo, v);
  hi = std::max(hi, v);
}

}  // namespace

SvgChart::SvgChart(std::string title, std::string xlabel, std::string ylabel, int width, int height)
    : m_title(std::move(title)),
      m_xlabel(std::move(xlabel)),
      m_ylabel(std::move(ylabel)),
      m_width(width),
      m_height(height) {}

void SvgChart::line(const std::vector<double>& x, const std::vector<double>& y,
                    const std::string& color, const std::string& label) {
  m_series.push_back({Series::kLine, x, y, {}, color, label, {}});
}

void SvgChart::band(const std::vector<double>& x, const std::vector<double>& lo,
                    const std::vector<double>& hi, const std::string& color) {
  m_series.push_back({Series::kBand, x, lo, hi, color, "", {}});
}

void SvgChart::points(const std::vector<double>& x, const std::vector<double>& y,
                      const std::string& color, const std::string& label) {
  m_series.push_back({Series::kPoints, x, y, {}, color, label, {}});
}

void SvgChart::box(double pos, const BoxStats& b, const std::string& color,
                   const std::string& category) {
  m_series.push_back({Series::kBox, {pos}, {}, {}, color, "", b});
  m_categories.emplace_back(pos, category);
}

void SvgChart::data_range(double& xlo, double& xhi, double& ylo, double& yhi) const {
  const double inf = std::numeric_limits<double>::infinity();
  xlo = ylo = inf;
  xhi = yhi = -inf;
  for (const Series& s : m_series) {
    if (s.kind == Series::kBox) {
      widen(s.x[0] - 0.5, xlo, xhi);
      widen(s.x[0] + 0.5, xlo, xhi);
      widen(s.box.whisker_lo, ylo, yhi);
      widen(s.box.whisker_hi, ylo, yhi);
      for (double o : s.box.outliers) widen(o, ylo, yhi);
      continue;
    }
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      widen(s.x[i], xlo, xhi);
      if (i < s.y.size()) widen(s.y[i], ylo, yhi);
      if (i < s.y2.size()) widen(s.y2[i], ylo, yhi);
    }
  }
  if (xlo > xhi) xlo = 0, xhi = 1;
  if (ylo > yhi) ylo = 0, yhi = 1;
}

std::string SvgChart::str() const {
  bool has_legend = false;
  for (const Series& s : m_series) has_legend = has_legend || !s.label.empty();
  const double left = 80, top = 50, bottom = 64, right = has_legend ? 190 : 30;
  const double pw = m_width - left - right, ph = m_height - top - bottom;

  double xlo, xhi, ylo, yhi;
  data_range(xlo, xhi, ylo, yhi);
  std::vector<double> xt, yt = nice_ticks(ylo, yhi);
  double xstep = 1;
  if (m_categories.empty()) {
    xt = nice_ticks(xlo, xhi);
    xlo = xt.front();
    xhi = xt.back();
    xstep = xt.size() > 1 ? xt[1] - xt[0] : 1;
  }
  ylo = yt.front();
  yhi = yt.back();
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  auto px = [&](double x) { return left + (x - xlo) / (xhi - xlo) * pw; };
  auto py = [&](double y) { return top + ph - (y - ylo) / (yhi - ylo) * ph; };

  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << m_width << "\" height=\""
     << m_height << "\" viewBox=\"0 0 " << m_width << ' ' << m_height
     << "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
     << "<text x=\"" << px_num(left + pw / 2) << "\" y=\"28\" text-anchor=\"middle\" "
     << "font-size=\"16\" font-weight=\"bold\">" << xml_escape(m_title) << "</text>\n";

  // Grid and tick labels.
  for (double t : yt) {
    os << "<line x1=\"" << px_num(left) << "\" x2=\"" << px_num(left + pw) << "\" y1=\""
       << px_num(py(t)) << "\" y2=\"" << px_num(py(t)) << "\" stroke=\"#e0e0e0\"/>\n"
       << "<text x=\"" << px_num(left - 8) << "\" y=\"" << px_num(py(t) + 4)
       << "\" text-anchor=\"end\">" << xml_escape(tick_label(t, ystep)) << "</text>\n";
  }
  if (m_categories.empty()) {
    for (double t : xt)
      os << "<line x1=\"" << px_num(px(t)) << "\" x2=\"" << px_num(px(t)) << "\" y1=\""
         << px_num(top) << "\" y2=\"" << px_num(top + ph) << "\" stroke=\"#f0f0f0\"/>\n"
         << "<text x=\"" << px_num(px(t)) << "\" y=\"" << px_num(top + ph + 18)
         << "\" text-anchor=\"middle\">" << xml_escape(tick_label(t, xstep)) << "</text>\n";
  } else {
    for (const auto& [pos, name] : m_categories)
      os << "<text x=\"" << px_num(px(pos)) << "\" y=\"" << px_num(top + ph + 18)
         << "\" text-anchor=\"middle\">" << xml_escape(name) << "</text>\n";
  }

  // Series: bands first so lines and points stay visible.
  for (int pass = 0; pass < 2; ++pass) {
    for (const Series& s : m_series) {
      if ((s.kind == Series::kBand) != (pass == 0)) continue;
      if (s.kind == Series::kBand) {
        std::string fwd, back;
        for (std::size_t i = 0; i < s.x.size(); ++i) {
          if (!std::isfinite(s.y[i]) || !std::isfinite(s.y2[i])) continue;
          fwd += px_num(px(s.x[i])) + "," + px_num(py(s.y2[i])) + " ";
          back = px_num(px(s.x[i])) + "," + px_num(py(s.y[i])) + " " + back;
        }
        os << "<polygon points=\"" << fwd << back << "\" fill=\"" << s.color
           << "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n";
      } else if (s.kind == Series::kLine) {
        std::string d;
        bool pen = false;
        for (std::size_t i = 0; i < s.x.size(); ++i) {
          if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
            pen = false;  // a gap in the data breaks the line
            continue;
          }
          d += (pen ? "L" : "M") + px_num(px(s.x[i])) + " " + px_num(py(s.y[i])) + " ";
          pen = true;
        }
        os << "<path d=\"" << d << "\" fill=\"none\" stroke=\"" << s.color
           << "\" stroke-width=\"2\"/>\n";
      } else if (s.kind == Series::kPoints) {
        for (std::size_t i = 0; i < s.x.size(); ++i) {
          if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
          os << "<circle cx=\"" << px_num(px(s.x[i])) << "\" cy=\"" << px_num(py(s.y[i]))
             << "\" r=\"4\" fill=\"" << s.color << "\" fill-opacity=\"0.75\"/>\n";
        }
      } else {
        const BoxStats& b = s.box;
        const double cx = px(s.x[0]), hw = 0.25 * pw / (xhi - xlo);
        for (const auto& [from, to] :
             {std::pair{b.whisker_lo, b.q1}, std::pair{b.q3, b.whisker_hi}})
          os << "<line x1=\"" << px_num(cx) << "\" x2=\"" << px_num(cx) << "\" y1=\""
             << px_num(py(from)) << "\" y2=\"" << px_num(py(to)) << "\" stroke=\"#333\"/>\n";
        for (double w : {b.whisker_lo, b.whisker_hi})
          os << "<line x1=\"" << px_num(cx - hw / 2) << "\" x2=\"" << px_num(cx + hw / 2)
             << "\" y1=\"" << px_num(py(w)) << "\" y2=\"" << px_num(py(w))
             << "\" stroke=\"#333\"/>\n";
        os << "<rect x=\"" << px_num(cx - hw) << "\" y=\"" << px_num(py(b.q3)) << "\" width=\""
           << px_num(2 * hw) << "\" height=\"" << px_num(std::max(1.0, py(b.q1) - py(b.q3)))
           << "\" fill=\"" << s.color << "\" fill-opacity=\"0.35\" stroke=\"" << s.color
           << "\" stroke-width=\"1.5\"/>\n"
           << "<line x1=\"" << px_num(cx - hw) << "\" x2=\"" << px_num(cx + hw) << "\" y1=\""
           << px_num(py(b.median)) << "\" y2=\"" << px_num(py(b.median))
           << "\" stroke=\"black\" stroke-width=\"2\"/>\n";
        for (double o : b.outliers)
          os << "<circle cx=\"" << px_num(cx) << "\" cy=\"" << px_num(py(o))
             << "\" r=\"3.5\" fill=\"none\" stroke=\"" << s.color << "\"/>\n";
        os << "<text x=\"" << px_num(cx) << "\" y=\"" << px_num(top + ph + 34)
           << "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">n=" << b.n << "</text>\n";
      }
    }
  }

  // Axes frame and labels.
  os << "<rect x=\"" << px_num(left) << "\" y=\"" << px_num(top) << "\" width=\"" << px_num(pw)
     << "\" height=\"" << px_num(ph) << "\" fill=\"none\" stroke=\"black\"/>\n"
     << "<text x=\"" << px_num(left + pw / 2) << "\" y=\"" << px_num(m_height - 12)
     << "\" text-anchor=\"middle\" font-size=\"13\">" << xml_escape(m_xlabel) << "</text>\n"
     << "<text transform=\"translate(18," << px_num(top + ph / 2)
     << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">" << xml_escape(m_ylabel)
     << "</text>\n";

  if (has_legend) {
    double ly = top + 10;
    const double lx = left + pw + 16;
    for (const Series& s : m_series) {
      if (s.label.empty()) continue;
      if (s.kind == Series::kPoints)
        os << "<circle cx=\"" << px_num(lx + 10) << "\" cy=\"" << px_num(ly) << "\" r=\"4\" fill=\""
           << s.color << "\"/>\n";
      else
        os << "<line x1=\"" << px_num(lx) << "\" x2=\"" << px_num(lx + 20) << "\" y1=\""
           << px_num(ly) << "\" y2=\"" << px_num(ly) << "\" stroke=\"" << s.color
           << "\" stroke-width=\"3\"/>\n";
      os << "<text x=\"" << px_num(lx + 28) << "\" y=\"" << px_num(ly + 4) << "\">"
         << xml_escape(s.label) << "</text>\n";
      ly += 20;
    }
  }
  os << "</svg>\n";
  return os.str();
}

void SvgChart::save(const std::string& path) const {
  std::ofstream out(path);
  if (!out) throw RuntimeError("cannot write plot file " + path);
  out << str();
  if (!out) throw RuntimeError("error while writing plot file " + path);
}

}  // namespace neurocma::analysis

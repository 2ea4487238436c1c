// Reading one JSON object of a config: typed getters with range checks, and
// one-line errors that name the file, the key path and what was expected
// ("configs/x.json: optimizers[1].lr: expected a number > 0, got -0.1").
// Keys nobody asked for are reported as unknown by finish().
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/core/error.hpp"

namespace neurocma {

// A short rendering of a JSON value for error messages.
std::string describe(const nlohmann::json& v);
std::string fmt_num(double x);
// "a", "b" or "c"
std::string join_quoted(const std::vector<std::string>& items);
// Names end up in file names and HDF5 group names: letters, digits, '_', '-',
// '.', at most kMaxNameLength of them (a results file name joins several).
constexpr std::size_t kMaxNameLength = 100;
bool is_safe_name(const std::string& s);

// Reads one JSON object, remembering which keys were asked for so that any
// other key is reported as unknown by finish().
class Reader {
 public:
  Reader(const nlohmann::json& j, std::string file, std::string path)
      : m_j(j), m_file(std::move(file)), m_path(std::move(path)) {
    if (!m_j.is_object()) {
      throw ConfigError(m_file + ": " + (m_path.empty() ? std::string("top level") : m_path) +
                        ": expected an object, got " + describe(m_j));
    }
  }

  const std::string& file() const { return m_file; }
  std::string key_path(const std::string& key) const {
    return m_path.empty() ? key : m_path + "." + key;
  }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(m_file + ": " + key_path(key) + ": " + what);
  }
  [[noreturn]] void expected(const std::string& key, const std::string& what,
                             const nlohmann::json& got) const {
    fail(key, "expected " + what + ", got " + describe(got));
  }

  bool has(const std::string& key) const { return m_j.contains(key); }

  // The value of key, or nullptr when absent. Marks the key as known.
  const nlohmann::json* get(const std::string& key) {
    m_known.insert(key);
    auto it = m_j.find(key);
    return it == m_j.end() ? nullptr : &*it;
  }
  const nlohmann::json& require(const std::string& key, const std::string& what) {
    const nlohmann::json* v = get(key);
    if (!v) fail(key, "missing; expected " + what);
    return *v;
  }

  // Number in a range; lo/hi open or closed.
  double number(const std::string& key, double def, double lo, bool lo_open, double hi,
                bool hi_open, bool required = false) {
    const std::string what = range_text("a number", lo, lo_open, hi, hi_open);
    const nlohmann::json* v = required ? &require(key, what) : get(key);
    if (!v) return def;
    if (!v->is_number()) expected(key, what, *v);
    const double x = v->get<double>();
    if (!in_range(x, lo, lo_open, hi, hi_open)) expected(key, what, *v);
    return x;
  }

  // Integer >= lo (and <= hi). Integral floats like 5.0 are accepted.
  // hi defaults to INT_MAX so that results fit an int; such a bound is not
  // part of the expectation text unless it is hit.
  long long integer(const std::string& key, long long def, long long lo,
                    long long hi = std::numeric_limits<int>::max(), bool required = false) {
    const bool open_above = hi >= std::numeric_limits<int>::max();
    const std::string what =
        open_above ? "an integer >= " + std::to_string(lo)
                   : "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    const nlohmann::json* v = required ? &require(key, what) : get(key);
    if (!v) return def;
    long long x = 0;
    if (!to_integer(*v, x) || x < lo) expected(key, what, *v);
    if (x > hi) expected(key, "an integer <= " + std::to_string(hi), *v);
    return x;
  }

  std::uint64_t uint64(const std::string& key, std::uint64_t def, bool required = false) {
    const std::string what = "an integer in [0, 2^64)";
    const nlohmann::json* v = required ? &require(key, what) : get(key);
    if (!v) return def;
    if (v->is_number_unsigned()) return v->get<std::uint64_t>();
    long long x = 0;
    if (!to_integer(*v, x) || x < 0) expected(key, what, *v);
    return static_cast<std::uint64_t>(x);
  }

  bool boolean(const std::string& key, bool def) {
    const nlohmann::json* v = get(key);
    if (!v) return def;
    if (!v->is_boolean()) expected(key, "true or false", *v);
    return v->get<bool>();
  }

  std::string string(const std::string& key, const std::string& def, bool required = false) {
    const nlohmann::json* v = required ? &require(key, "a string") : get(key);
    if (!v) return def;
    if (!v->is_string()) expected(key, "a string", *v);
    return v->get<std::string>();
  }

  std::string choice(const std::string& key, const std::string& def,
                     const std::vector<std::string>& options, bool required = false) {
    const std::string what = "one of " + join_quoted(options);
    const nlohmann::json* v = required ? &require(key, what) : get(key);
    if (!v) return def;
    if (v->is_string()) {
      const std::string s = v->get<std::string>();
      for (const auto& o : options)
        if (s == o) return s;
    }
    expected(key, what, *v);
  }

  // Reports the first key nobody asked for.
  void finish(const std::string& context = "") const {
    for (auto it = m_j.begin(); it != m_j.end(); ++it) {
      if (m_known.count(it.key())) continue;
      std::vector<std::string> known(m_known.begin(), m_known.end());
      fail(it.key(), "unknown key" + context + "; expected one of " + join_quoted(known));
    }
  }

  static bool to_integer(const nlohmann::json& v, long long& out) {
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<long long>::max())) return false;
      out = static_cast<long long>(u);
      return true;
    }
    if (v.is_number_integer()) {
      out = v.get<long long>();
      return true;
    }
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
        out = static_cast<long long>(d);
        return true;
      }
    }
    return false;
  }

 private:
  static std::string range_text(const std::string& noun, double lo, bool lo_open, double hi,
                                bool hi_open) {
    if (hi == std::numeric_limits<double>::infinity() &&
        lo == -std::numeric_limits<double>::infinity())
      return noun;
    if (hi == std::numeric_limits<double>::infinity())
      return noun + (lo_open ? " > " : " >= ") + fmt_num(lo);
    return noun + " in " + (lo_open ? "(" : "[") + fmt_num(lo) + ", " + fmt_num(hi) +
           (hi_open ? ")" : "]");
  }
  static bool in_range(double x, double lo, bool lo_open, double hi, bool hi_open) {
    if (!std::isfinite(x)) return false;
    if (lo_open ? !(x > lo) : !(x >= lo)) return false;
    if (hi_open ? !(x < hi) : !(x <= hi)) return false;
    return true;
  }

  const nlohmann::json& m_j;
  std::string m_file, m_path;
  std::set<std::string> m_known;
};

}  // namespace neurocma

// HDF5 results files and the study's CSV layout. The schema is documented in
// docs/results-format.md; keep the two in step (schema_version below).
#include "neurocma/io/results.hpp"

#include <hdf5.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "neurocma/core/error.hpp"
#include "neurocma/core/version.hpp"

namespace neurocma {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFormat = "neurocma-results";
constexpr int kSchemaVersion = 1;

// HDF5 prints its error stack to stderr by default; we report through
// exceptions instead, so silence it while one of our calls runs.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &m_func, &m_data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, m_func, m_data); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t m_func = nullptr;
  void* m_data = nullptr;
};

// Owns one HDF5 identifier and closes it with the matching function.
// HDF5's exit-time clean-up closes the files still open, and crashes on one
// whose flush failed (a full disk). Every file here is closed explicitly, so it
// is turned off; this must precede any other HDF5 call, hence static init.
const bool g_hdf5_no_atexit = [] {
  H5dont_atexit();
  return true;
}();

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : m_id(id), m_close(close) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : m_id(o.m_id), m_close(o.m_close) { o.m_id = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      m_id = o.m_id;
      m_close = o.m_close;
      o.m_id = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return m_id; }
  bool valid() const { return m_id >= 0; }
  // Forgets the id without an HDF5 call (after HDF5 failed to flush or close it).
  void abandon() { m_id = -1; }
  // Closes now and returns the status (for the file, whose close flushes).
  herr_t close() {
    herr_t s = 0;
    if (m_id >= 0 && m_close) s = m_close(m_id);
    m_id = -1;
    return s;
  }

 private:
  void reset() {
    if (m_id >= 0 && m_close) m_close(m_id);
    m_id = -1;
  }
  hid_t m_id = -1;
  Closer m_close = nullptr;
};

// Errors from one file carry its name.
struct Ctx {
  std::string file;
  [[noreturn]] void fail(const std::string& what) const { throw RuntimeError(file + ": " + what); }
  Handle check(hid_t id, Handle::Closer close, const std::string& what) const {
    if (id < 0) fail(what);
    return Handle(id, close);
  }
  void check(herr_t status, const std::string& what) const {
    if (status < 0) fail(what);
  }
};

Handle string_type(const Ctx& c) {
  Handle t = c.check(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type");
  c.check(H5Tset_size(t.get(), H5T_VARIABLE), "cannot create a string type");
  c.check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "cannot create a string type");
  return t;
}

Handle scalar_space(const Ctx& c) {
  return c.check(H5Screate(H5S_SCALAR), H5Sclose, "cannot create a dataspace");
}

// Groups remember their creation order, so runs read back in the order added.
Handle create_group(const Ctx& c, hid_t loc, const std::string& name) {
  Handle gcpl = c.check(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "cannot create a property list");
  c.check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "cannot set link creation order");
  return c.check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                 "cannot create group '" + name + "'");
}

void write_attr(const Ctx& c, hid_t obj, const char* name, const std::string& value) {
  Handle type = string_type(c);
  Handle space = scalar_space(c);
  Handle attr = c.check(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                        H5Aclose, std::string("cannot create attribute '") + name + "'");
  const char* p = value.c_str();
  c.check(H5Awrite(attr.get(), type.get(), &p),
          std::string("cannot write attribute '") + name + "'");
}

template <class T>
void write_attr(const Ctx& c, hid_t obj, const char* name, hid_t file_type, hid_t mem_type,
                T value) {
  Handle space = scalar_space(c);
  Handle attr = c.check(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                        H5Aclose, std::string("cannot create attribute '") + name + "'");
  c.check(H5Awrite(attr.get(), mem_type, &value),
          std::string("cannot write attribute '") + name + "'");
}

// 1-D dataset of n values, or a scalar dataset when n < 0.
void write_dataset(const Ctx& c, hid_t loc, const char* name, hid_t file_type, hid_t mem_type,
                   const void* data, long long n) {
  Handle space;
  if (n < 0) {
    space = scalar_space(c);
  } else {
    const hsize_t dims[1] = {static_cast<hsize_t>(n)};
    space = c.check(H5Screate_simple(1, dims, nullptr), H5Sclose, "cannot create a dataspace");
  }
  Handle ds =
      c.check(H5Dcreate2(loc, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose, std::string("cannot create dataset '") + name + "'");
  if (n != 0) {
    c.check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
            std::string("cannot write dataset '") + name + "'");
  }
}

std::string iso_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string program_version() {
  return version_string();
}

bool bad_group_name(const std::string& s) {
  return s.empty() || s == "." || s == ".." || s.find('/') != std::string::npos;
}

// ---- reading

bool attr_exists(const Ctx& c, hid_t obj, const char* name) {
  const htri_t e = H5Aexists(obj, name);
  c.check(e, std::string("cannot query attribute '") + name + "'");
  return e > 0;
}

std::string read_attr_string(const Ctx& c, hid_t obj, const std::string& where, const char* name) {
  const std::string what = where + ": attribute '" + name + "'";
  if (!attr_exists(c, obj, name)) c.fail(what + " is missing");
  Handle attr = c.check(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, "cannot open " + what);
  Handle ftype = c.check(H5Aget_type(attr.get()), H5Tclose, "cannot read " + what);
  if (H5Tget_class(ftype.get()) != H5T_STRING) c.fail(what + " is not a string");
  // H5Aread writes every element, and the buffers below hold one string: an
  // array of them (a hand-edited file) overran the stack (found by fuzzing).
  Handle space = c.check(H5Aget_space(attr.get()), H5Sclose, "cannot read " + what);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count != 1) c.fail(what + " holds " + std::to_string(count) + " strings, expected one");
  const htri_t vlen = H5Tis_variable_str(ftype.get());
  c.check(vlen, "cannot read " + what);
  if (vlen > 0) {
    Handle mtype = string_type(c);
    char* p = nullptr;
    c.check(H5Aread(attr.get(), mtype.get(), &p), "cannot read " + what);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  const std::size_t size = H5Tget_size(ftype.get());
  std::string buf(size, '\0');
  Handle mtype = c.check(H5Tcopy(ftype.get()), H5Tclose, "cannot read " + what);
  c.check(H5Aread(attr.get(), mtype.get(), buf.data()), "cannot read " + what);
  buf.resize(std::strlen(buf.c_str()));
  return buf;
}

template <class T>
T read_attr(const Ctx& c, hid_t obj, const std::string& where, const char* name, hid_t mem_type) {
  const std::string what = where + ": attribute '" + name + "'";
  if (!attr_exists(c, obj, name)) c.fail(what + " is missing");
  Handle attr = c.check(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, "cannot open " + what);
  Handle space = c.check(H5Aget_space(attr.get()), H5Sclose, "cannot read " + what);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) c.fail(what + " is not a scalar");
  T value{};
  c.check(H5Aread(attr.get(), mem_type, &value), "cannot read " + what + " as a number");
  return value;
}

Handle open_group(const Ctx& c, hid_t loc, const std::string& name, const std::string& where) {
  const htri_t e = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
  c.check(e, "cannot query " + where + "/" + name);
  if (e == 0) c.fail(where + "/" + name + " is missing");
  return c.check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose,
                 "cannot open group " + where + "/" + name);
}

// Child names of a group in creation order (name order if not tracked).
std::vector<std::string> children(const Ctx& c, hid_t group, const std::string& where) {
  H5G_info_t info;
  c.check(H5Gget_info(group, &info), "cannot list " + where);
  std::vector<std::string> names;
  for (int pass = 0; pass < 2 && names.size() != info.nlinks; ++pass) {
    const H5_index_t index = pass == 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    names.clear();
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      const ssize_t len =
          H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      if (len < 0) break;
      std::string name(static_cast<std::size_t>(len) + 1, '\0');
      if (H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, name.data(), name.size(),
                             H5P_DEFAULT) < 0)
        break;
      name.resize(static_cast<std::size_t>(len));
      names.push_back(name);
    }
  }
  if (names.size() != info.nlinks) c.fail("cannot list " + where);
  return names;
}

bool has_link(const Ctx& c, hid_t loc, const std::string& where, const char* name) {
  const htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
  c.check(e, "cannot query " + where + "/" + name);
  return e > 0;
}

// Reads a dataset with `expect` elements (any count if expect < 0; scalar ok).
template <class T>
std::vector<T> read_dataset(const Ctx& c, hid_t loc, const std::string& where, const char* name,
                            hid_t mem_type, long long expect) {
  const std::string what = where + "/" + name;
  const htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
  c.check(e, "cannot query " + what);
  if (e == 0) c.fail(what + " is missing");
  Handle ds = c.check(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose, "cannot open " + what);
  Handle space = c.check(H5Dget_space(ds.get()), H5Sclose, "cannot read " + what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 1) c.fail(what + " is not one-dimensional");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) c.fail("cannot read " + what);
  if (expect >= 0 && n != expect) {
    c.fail(what + " has " + std::to_string(n) + " entries, expected " + std::to_string(expect));
  }
  std::vector<T> v(static_cast<std::size_t>(n));
  if (n > 0) {
    c.check(H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
            "cannot read " + what);
  }
  return v;
}

template <class T>
T read_scalar(const Ctx& c, hid_t loc, const std::string& where, const char* name, hid_t mem_type) {
  return read_dataset<T>(c, loc, where, name, mem_type, 1).front();
}

RunRecord read_run(const Ctx& c, hid_t run, const std::string& where) {
  RunRecord r;
  r.optimizer = read_attr_string(c, run, where, "optimizer");
  r.optimizer_type = read_attr_string(c, run, where, "optimizer_type");
  r.hyperparams = read_attr_string(c, run, where, "hyperparameters");
  r.seed = read_attr<std::uint64_t>(c, run, where, "seed", H5T_NATIVE_UINT64);
  r.run_index = read_attr<int>(c, run, where, "run_index", H5T_NATIVE_INT);
  r.dataset = read_attr_string(c, run, where, "dataset");
  r.model_shape = read_attr_string(c, run, where, "model_shape");
  r.config_json = read_attr_string(c, run, where, "config");
  r.version = read_attr_string(c, run, where, "version");
  RunResult& res = r.result;
  res.stop = RunStop::parse(read_attr_string(c, run, where, "stop_reason"));
  res.best_epoch = read_attr<int>(c, run, where, "best_epoch", H5T_NATIVE_INT);

  {
    const std::string hw = where + "/history";
    Handle h = open_group(c, run, "history", where);
    const std::vector<double> time =
        read_dataset<double>(c, h.get(), hw, "time", H5T_NATIVE_DOUBLE, -1);
    const auto n = static_cast<long long>(time.size());
    auto col = [&](const char* name) {
      return read_dataset<double>(c, h.get(), hw, name, H5T_NATIVE_DOUBLE, n);
    };
    auto icol = [&](const char* name) {
      return read_dataset<long long>(c, h.get(), hw, name, H5T_NATIVE_LLONG, n);
    };
    res.history.resize(time.size());
    for (const MetricInfo& m : run_metrics()) {
      if (m.history) {
        const std::vector<double> v = col(m.name);
        for (std::size_t i = 0; i < v.size(); ++i) res.history[i].*m.history = v[i];
      } else if (m.history_count) {
        // Files written before a counter existed (study_evals): -1, unknown.
        const std::vector<long long> v = has_link(c, h.get(), hw, m.name)
                                             ? icol(m.name)
                                             : std::vector<long long>(time.size(), -1);
        for (std::size_t i = 0; i < v.size(); ++i) res.history[i].*m.history_count = v[i];
      }
    }
  }
  {
    const std::string fw = where + "/final";
    Handle f = open_group(c, run, "final", where);
    for (const MetricInfo& m : run_metrics()) {
      if (m.final) {
        res.*m.final = read_scalar<double>(c, f.get(), fw, m.name, H5T_NATIVE_DOUBLE);
      } else if (m.final_count) {
        res.*m.final_count = has_link(c, f.get(), fw, m.name)
                                 ? read_scalar<long long>(c, f.get(), fw, m.name, H5T_NATIVE_LLONG)
                                 : -1;
      } else if (m.final_int) {
        res.*m.final_int = read_scalar<int>(c, f.get(), fw, m.name, H5T_NATIVE_INT);
      }
    }
  }
  return r;
}

// ---- CSV helpers

const std::vector<std::string> kCsvColumns = {"time",    "train_loss", "train_acc", "val_loss",
                                              "val_acc", "test_loss",  "test_acc",  "model_evals"};

// Shortest text that reads back to the same double.
std::string fmt_double(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

bool bad_file_part(const std::string& s) {
  return s.empty() || s.find('/') != std::string::npos || s.find(',') != std::string::npos ||
         s == "." || s == "..";
}

std::vector<std::string> split_csv_line(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> out;
  std::string cur;
  for (char ch : line) {
    if (ch == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(cur);
  for (std::string& f : out) {
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- writer

struct ResultsWriter::Impl {
  Ctx ctx;
  std::string partial;
  Handle file;
  Handle runs;
  std::map<std::string, Handle> groups;  // optimizer name -> group
  std::set<std::string> written;         // "<optimizer>/run_NNN"
  bool committed = false;
  bool broken = false;  // a flush or close failed: no more HDF5 calls on this file

  // Flushes or closes through `op`; on failure (a full disk) marks the file
  // broken and throws with the system's reason.
  void must(const std::function<herr_t()>& op, const std::string& what) {
    errno = 0;
    if (op() >= 0) return;
    broken = true;
    const int err = errno;
    ctx.fail(what + (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
  }
};

ResultsWriter::ResultsWriter(const std::string& path) : m_path(path), m_impl(new Impl) {
  Impl& m = *m_impl;
  m.partial = path + ".partial";
  m.ctx.file = m.partial;
  const Ctx& c = m.ctx;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) c.fail("cannot create directory " + parent.string() + ": " + ec.message());
  }
  QuietHdf5 quiet;
  Handle fcpl = c.check(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "cannot create a property list");
  c.check(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          "cannot set link creation order");
  m.file = c.check(H5Fcreate(m.partial.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), H5Fclose,
                   "cannot create results file (directory missing or not writable?)");
  write_attr(c, m.file.get(), "format", kFormat);
  write_attr(c, m.file.get(), "schema_version", H5T_STD_I32LE, H5T_NATIVE_INT, kSchemaVersion);
  write_attr(c, m.file.get(), "version", program_version());
  write_attr(c, m.file.get(), "created", iso_now());
  m.runs = create_group(c, m.file.get(), "runs");
  m.must([&] { return H5Fflush(m.file.get(), H5F_SCOPE_LOCAL); }, "cannot flush");
}

ResultsWriter::~ResultsWriter() {
  if (!m_impl || m_impl->committed) return;
  if (m_impl->broken) {
    // HDF5 holds the file in a state it cannot close; another call (or its
    // exit-time clean-up, turned off by H5dont_atexit) would crash. Only the
    // partial file goes.
    for (auto& g : m_impl->groups) g.second.abandon();
    m_impl->runs.abandon();
    m_impl->file.abandon();
    std::remove(m_impl->partial.c_str());
    return;
  }
  QuietHdf5 quiet;
  m_impl->groups.clear();
  m_impl->runs.close();
  m_impl->file.close();
  std::remove(m_impl->partial.c_str());
}

void ResultsWriter::add(const RunRecord& rec) {
  Impl& m = *m_impl;
  const Ctx& c = m.ctx;
  if (m.committed) c.fail("cannot add a run after commit()");
  if (m.broken) c.fail("cannot add a run: an earlier write failed");
  if (bad_group_name(rec.optimizer)) {
    c.fail("invalid optimizer name '" + rec.optimizer + "' (must be non-empty, without '/')");
  }
  if (rec.run_index < 0) c.fail("negative run_index " + std::to_string(rec.run_index));
  char run_name[32];
  std::snprintf(run_name, sizeof run_name, "run_%03d", rec.run_index);
  const std::string key = rec.optimizer + "/" + run_name;
  if (m.written.count(key)) c.fail("duplicate run /runs/" + key);

  QuietHdf5 quiet;
  auto it = m.groups.find(rec.optimizer);
  if (it == m.groups.end()) {
    it = m.groups.emplace(rec.optimizer, create_group(c, m.runs.get(), rec.optimizer)).first;
  }
  Handle run = create_group(c, it->second.get(), run_name);
  const hid_t g = run.get();
  const RunResult& res = rec.result;
  write_attr(c, g, "optimizer", rec.optimizer);
  write_attr(c, g, "optimizer_type", rec.optimizer_type);
  write_attr(c, g, "hyperparameters", rec.hyperparams);
  write_attr(c, g, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, static_cast<std::uint64_t>(rec.seed));
  write_attr(c, g, "run_index", H5T_STD_I32LE, H5T_NATIVE_INT, rec.run_index);
  write_attr(c, g, "dataset", rec.dataset);
  write_attr(c, g, "model_shape", rec.model_shape);
  write_attr(c, g, "config", rec.config_json);
  write_attr(c, g, "version", rec.version);
  write_attr(c, g, "stop_reason", res.stop.text());
  write_attr(c, g, "best_epoch", H5T_STD_I32LE, H5T_NATIVE_INT, res.best_epoch);

  {
    Handle h = create_group(c, g, "history");
    const std::size_t n = res.history.size();
    std::vector<double> col(n);
    std::vector<long long> icol(n);
    auto put = [&](const char* name, double EpochRecord::*field) {
      for (std::size_t i = 0; i < n; ++i) col[i] = res.history[i].*field;
      write_dataset(c, h.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, col.data(),
                    static_cast<long long>(n));
    };
    auto iput = [&](const char* name, long long EpochRecord::*field) {
      for (std::size_t i = 0; i < n; ++i) icol[i] = res.history[i].*field;
      write_dataset(c, h.get(), name, H5T_STD_I64LE, H5T_NATIVE_LLONG, icol.data(),
                    static_cast<long long>(n));
    };
    for (const MetricInfo& m : run_metrics()) {
      if (m.history) put(m.name, m.history);
      if (m.history_count) iput(m.name, m.history_count);
    }
  }
  {
    Handle f = create_group(c, g, "final");
    auto put = [&](const char* name, double v) {
      write_dataset(c, f.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, -1);
    };
    auto iput = [&](const char* name, long long v) {
      write_dataset(c, f.get(), name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &v, -1);
    };
    for (const MetricInfo& m : run_metrics()) {
      if (m.final) put(m.name, res.*m.final);
      if (m.final_count) iput(m.name, res.*m.final_count);
      if (m.final_int) {
        const int v = res.*m.final_int;
        write_dataset(c, f.get(), m.name, H5T_STD_I32LE, H5T_NATIVE_INT, &v, -1);
      }
    }
  }
  m.written.insert(key);
  // A crash later still leaves every finished run readable (allow_incomplete).
  m.must([&] { return H5Fflush(m.file.get(), H5F_SCOPE_LOCAL); }, "cannot flush");
}

void ResultsWriter::commit() {
  Impl& m = *m_impl;
  const Ctx& c = m.ctx;
  if (m.committed) c.fail("commit() called twice");
  if (m.broken) c.fail("cannot complete the file: an earlier write failed");
  {
    QuietHdf5 quiet;
    write_attr(c, m.file.get(), "complete", H5T_STD_I32LE, H5T_NATIVE_INT, 1);
    m.groups.clear();
    m.must([&] { return m.runs.close(); }, "cannot close group /runs");
    m.must([&] { return m.file.close(); }, "cannot close (flush) the file");
  }
  if (std::rename(m.partial.c_str(), m_path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    std::remove(m.partial.c_str());
    m.committed = true;
    throw RuntimeError(m.partial + ": cannot rename to " + m_path + ": " + err);
  }
  m.committed = true;
}

// ---------------------------------------------------------------- reader

std::vector<RunRecord> read_results(const std::string& path, bool allow_incomplete) {
  const Ctx c{path};
  std::error_code ec;
  if (!fs::exists(path, ec)) c.fail("no such results file");
  if (!fs::is_regular_file(path, ec)) c.fail("not a regular file");
  QuietHdf5 quiet;
  const htri_t is_h5 = H5Fis_hdf5(path.c_str());
  if (is_h5 <= 0) c.fail("not an HDF5 file (unreadable or corrupt)");
  Handle file = c.check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                        "cannot open HDF5 file (corrupt?)");
  const hid_t f = file.get();
  if (!attr_exists(c, f, "format") || read_attr_string(c, f, "/", "format") != kFormat) {
    c.fail(std::string("not a neurocma results file (root attribute 'format' is not \"") + kFormat +
           "\")");
  }
  const int schema = read_attr<int>(c, f, "/", "schema_version", H5T_NATIVE_INT);
  if (schema != kSchemaVersion) {
    c.fail("unsupported schema_version " + std::to_string(schema) + " (this program reads " +
           std::to_string(kSchemaVersion) + ")");
  }
  const bool complete =
      attr_exists(c, f, "complete") && read_attr<int>(c, f, "/", "complete", H5T_NATIVE_INT) == 1;
  if (!complete && !allow_incomplete) {
    c.fail("incomplete results file (no completion marker: the run crashed or is still writing)");
  }
  std::vector<RunRecord> out;
  Handle runs = open_group(c, f, "runs", "");
  for (const std::string& opt : children(c, runs.get(), "/runs")) {
    const std::string ow = "/runs/" + opt;
    Handle og = open_group(c, runs.get(), opt, "/runs");
    std::map<int, std::string> index_of;  // run_index -> the group that holds it
    for (const std::string& run : children(c, og.get(), ow)) {
      const std::string rw = ow + "/" + run;
      Handle rg = open_group(c, og.get(), run, ow);
      RunRecord r = read_run(c, rg.get(), rw);
      // The group path is the key the writer used and the attributes are the
      // labels: a file where they disagree was edited or assembled by hand, and
      // trusting either would move a run or count it twice.
      if (r.optimizer != opt) {
        c.fail(rw + ": attribute optimizer is \"" + r.optimizer + "\"; expected \"" + opt +
               "\", the name of its group");
      }
      const auto [it, fresh] = index_of.emplace(r.run_index, rw);
      if (!fresh) {
        c.fail(rw + ": run_index " + std::to_string(r.run_index) + " is also that of " +
               it->second + "; expected each run index once per optimizer");
      }
      char name[32];
      std::snprintf(name, sizeof name, "run_%03d", r.run_index);
      if (run != name) {
        c.fail(rw + ": attribute run_index is " + std::to_string(r.run_index) +
               "; expected the index in its group name (run " + std::to_string(r.run_index) +
               " is stored as " + ow + "/" + name + ")");
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

// ---------------------------------------------------------------- CSV

void write_study_csv(const std::string& dir, const std::vector<RunRecord>& records, bool merge) {
  // (dataset, optimizer) groups in order of first appearance.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::vector<const RunRecord*>> groups;
  for (const RunRecord& r : records) {
    const auto key = std::make_pair(r.dataset, r.optimizer);
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&r);
  }
  if (order.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw RuntimeError(dir + ": cannot create directory: " + ec.message());
  // One merging writer at a time: job-array tasks merge their shares into the same files.
  struct LockGuard {
    int fd = -1;
    ~LockGuard() {
      if (fd >= 0) ::close(fd);  // closing releases the lock
    }
  } guard;
  if (merge) {
    const std::string lock_path = (fs::path(dir) / ".csv.lock").string();
    guard.fd = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (guard.fd < 0) {
      throw RuntimeError(lock_path + ": cannot open lock file: " + std::strerror(errno));
    }
    if (::flock(guard.fd, LOCK_EX) != 0) {
      throw RuntimeError(lock_path + ": cannot lock: " + std::strerror(errno));
    }
  }
  for (const auto& key : order) {
    const std::string file = (fs::path(dir) / (key.first + "." + key.second + ".csv")).string();
    if (bad_file_part(key.first) || key.first.find('.') != std::string::npos ||
        bad_file_part(key.second)) {
      throw RuntimeError(file +
                         ": dataset and optimizer names must be non-empty, without '/' "
                         "or ',' (and no '.' in the dataset name)");
    }
    std::vector<const RunRecord*> rows = groups[key];
    std::vector<RunRecord> kept;  // rows of the existing file that this call does not replace
    if (merge && fs::exists(file, ec)) {
      std::set<int> mine;
      for (const RunRecord* r : rows) mine.insert(r->run_index);
      for (RunRecord& old : read_study_csv(file)) {
        if (!mine.count(old.run_index)) kept.push_back(std::move(old));
      }
      for (const RunRecord& old : kept) rows.push_back(&old);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const RunRecord* a, const RunRecord* b) {
      return a->run_index < b->run_index;
    });
    std::ostringstream os;
    os << ",time,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,model_evals\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const RunResult& r = rows[i]->result;
      os << rows[i]->run_index << ',' << fmt_double(r.time) << ',' << fmt_double(r.train_loss)
         << ',' << fmt_double(r.train_acc) << ',' << fmt_double(r.val_loss) << ','
         << fmt_double(r.val_acc) << ',' << fmt_double(r.test_loss) << ',' << fmt_double(r.test_acc)
         << ',' << r.study_evals << '\n';
    }
    const std::string tmp = file + ".tmp." + std::to_string(static_cast<long>(::getpid()));
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw RuntimeError(tmp + ": cannot create file: " + std::strerror(errno));
      out << os.str();
      out.flush();
      if (!out) {
        std::remove(tmp.c_str());
        throw RuntimeError(tmp + ": write failed");
      }
    }
    if (std::rename(tmp.c_str(), file.c_str()) != 0) {
      const std::string err = std::strerror(errno);
      std::remove(tmp.c_str());
      throw RuntimeError(file + ": cannot rename " + tmp + " into place: " + err);
    }
  }
}

std::vector<RunRecord> read_study_csv(const std::string& path) {
  auto fail = [&](const std::string& what) -> void { throw RuntimeError(path + ": " + what); };
  const std::string base = fs::path(path).filename().string();
  const std::string ext = ".csv";
  const std::size_t dot = base.find('.');
  if (base.size() <= ext.size() || base.compare(base.size() - ext.size(), ext.size(), ext) != 0 ||
      dot == std::string::npos || dot == 0 || dot + ext.size() >= base.size()) {
    fail("file name is not <dataset>.<optimizer>.csv");
  }
  const std::string dataset = base.substr(0, dot);
  const std::string optimizer = base.substr(dot + 1, base.size() - ext.size() - dot - 1);

  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open file (missing or unreadable)");
  std::string line;
  if (!std::getline(in, line)) fail("empty file (expected a header line)");
  // Excel and pandas' utf-8-sig start the file with a UTF-8 byte-order mark.
  if (line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
  const std::vector<std::string> header = split_csv_line(line);
  if (header[0] != "" && header[0] != "Unnamed: 0") {
    fail("first column must be the unnamed index column, got \"" + header[0] + "\"");
  }
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 1; i < header.size(); ++i) {
    if (std::find(kCsvColumns.begin(), kCsvColumns.end(), header[i]) == kCsvColumns.end()) {
      fail("unknown column \"" + header[i] + "\"");
    }
    if (!col.emplace(header[i], i).second) fail("duplicate column \"" + header[i] + "\"");
  }
  for (const std::string& name : kCsvColumns) {
    if (!col.count(name)) fail("missing column \"" + name + "\"");
  }

  std::string type;
  if (optimizer == "sgd" || optimizer == "adam") type = optimizer;
  if (optimizer.find("cmaes") != std::string::npos) type = "cmaes";

  std::vector<RunRecord> out;
  std::map<int, int> line_of;  // run index -> the line that holds it
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> f = split_csv_line(line);
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (f.size() != header.size()) {
      fail(where + "expected " + std::to_string(header.size()) + " fields, got " +
           std::to_string(f.size()));
    }
    auto number = [&](std::size_t i) {
      const std::string& s = f[i];
      if (s.empty()) return std::numeric_limits<double>::quiet_NaN();
      char* end = nullptr;
      errno = 0;
      const double x = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size()) {
        fail(where + "column \"" + header[i] + "\": expected a number, got \"" + s + "\"");
      }
      return x;
    };
    RunRecord r;
    r.dataset = dataset;
    r.optimizer = optimizer;
    r.optimizer_type = type;
    const double idx = number(0);
    if (!(idx >= 0) || idx != std::floor(idx) || idx > 1e9) {
      fail(where + "index column: expected a non-negative integer, got \"" + f[0] + "\"");
    }
    r.run_index = static_cast<int>(idx);
    const auto [seen, fresh] = line_of.emplace(r.run_index, line_no);
    if (!fresh) {
      fail(where + "run index " + std::to_string(r.run_index) + " is also on line " +
           std::to_string(seen->second) + "; expected each run index once");
    }
    RunResult& res = r.result;
    // The study's columns are final metrics of the table; model_evals is its counter.
    for (const std::string& name : kCsvColumns) {
      const MetricInfo* m = find_metric(name);
      if (m != nullptr && m->final != nullptr) res.*m->final = number(col[name]);
    }
    const double evals = number(col["model_evals"]);
    if (!(evals >= 0) || evals > 9.0e18) {
      fail(where + "column \"model_evals\": expected a non-negative count, got \"" +
           f[col["model_evals"]] + "\"");
    }
    // The study's counter; neurocma's own model_evals and grad_evals are unknown here.
    res.study_evals = std::llround(evals);
    res.model_evals = -1;
    res.grad_evals = -1;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace neurocma

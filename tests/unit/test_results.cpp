// HDF5 results files (write, read back, atomic commit, error cases) and the
// study's CSV layout.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "neurocma/core/error.hpp"
#include "neurocma/io/results.hpp"

namespace fs = std::filesystem;
using neurocma::EpochRecord;
using neurocma::ResultsWriter;
using neurocma::RunRecord;
using neurocma::RuntimeError;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/neurocma_test_results_XXXXXX";
    const char* p = mkdtemp(tmpl);
    if (!p) throw std::runtime_error("mkdtemp failed");
    m_path = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  std::string operator/(const std::string& name) const { return m_path + "/" + name; }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

RunRecord make_record(const std::string& opt, const std::string& type, int run, int epochs,
                      bool cma) {
  RunRecord r;
  r.optimizer = opt;
  r.optimizer_type = type;
  r.hyperparams = R"({"lr":0.1,"note":"µ"})";
  r.seed = 0xFEDCBA9876543210ULL + static_cast<std::uint64_t>(run);
  r.run_index = run;
  r.dataset = "iris";
  r.model_shape = "4-10-3";
  r.config_json = R"({"name":"t","runs":3})";
  r.version = "0.1.0 (test)";
  r.result.stop.text() = cma ? "optimizer:tolx" : "early_stopping";
  r.result.best_epoch = epochs > 0 ? epochs - 1 : 0;
  for (int e = 0; e < epochs; ++e) {
    EpochRecord h;
    h.time = 0.1 * (e + 1) + run;
    h.train_loss = 1.0 / (e + 1.5) + 1e-17 * run;
    h.train_acc = 0.5 + 0.01 * e;
    h.val_loss = 1.1 / (e + 1.5);
    h.val_acc = 0.4 + 0.02 * e;
    h.model_evals = 1000LL * (e + 1) + (1LL << 40);
    h.grad_evals = cma ? 0 : 90LL * (e + 1);
    h.study_evals = 5000LL * (e + 1) + 3;
    h.sigma = cma ? 0.5 / (e + 1) : kNaN;
    h.condition = cma ? 10.0 * (e + 1) : kNaN;
    r.result.history.push_back(h);
  }
  r.result.time = 1.0 / 3.0 + run;
  r.result.train_loss = 0.123456789012345678;
  r.result.train_acc = 0.975;
  r.result.val_loss = 0.2 + run;
  r.result.val_acc = 0.9;
  r.result.test_loss = 0.1 + 0.2;  // not exactly 0.3: full precision must survive
  r.result.test_acc = 29.0 / 30.0;
  r.result.model_evals = 123456789012LL + run;
  r.result.grad_evals = cma ? 0 : 777LL;
  r.result.study_evals = 98765432LL + 10 * run;
  r.result.epochs = epochs;
  return r;
}

// NaN-aware equality.
void expect_same(double a, double b, const std::string& what) {
  if (std::isnan(a) || std::isnan(b)) {
    EXPECT_TRUE(std::isnan(a) && std::isnan(b)) << what << ": " << a << " vs " << b;
  } else {
    EXPECT_EQ(a, b) << what;
  }
}

void expect_same(const RunRecord& a, const RunRecord& b) {
  EXPECT_EQ(a.optimizer, b.optimizer);
  EXPECT_EQ(a.optimizer_type, b.optimizer_type);
  EXPECT_EQ(a.hyperparams, b.hyperparams);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.run_index, b.run_index);
  EXPECT_EQ(a.dataset, b.dataset);
  EXPECT_EQ(a.model_shape, b.model_shape);
  EXPECT_EQ(a.config_json, b.config_json);
  EXPECT_EQ(a.version, b.version);
  const auto& x = a.result;
  const auto& y = b.result;
  EXPECT_EQ(x.stop.text(), y.stop.text());
  EXPECT_EQ(x.best_epoch, y.best_epoch);
  EXPECT_EQ(x.epochs, y.epochs);
  EXPECT_EQ(x.model_evals, y.model_evals);
  EXPECT_EQ(x.grad_evals, y.grad_evals);
  expect_same(x.time, y.time, "time");
  expect_same(x.train_loss, y.train_loss, "train_loss");
  expect_same(x.train_acc, y.train_acc, "train_acc");
  expect_same(x.val_loss, y.val_loss, "val_loss");
  expect_same(x.val_acc, y.val_acc, "val_acc");
  expect_same(x.test_loss, y.test_loss, "test_loss");
  expect_same(x.test_acc, y.test_acc, "test_acc");
  ASSERT_EQ(x.history.size(), y.history.size());
  for (std::size_t i = 0; i < x.history.size(); ++i) {
    const EpochRecord& p = x.history[i];
    const EpochRecord& q = y.history[i];
    expect_same(p.time, q.time, "history.time");
    expect_same(p.train_loss, q.train_loss, "history.train_loss");
    expect_same(p.train_acc, q.train_acc, "history.train_acc");
    expect_same(p.val_loss, q.val_loss, "history.val_loss");
    expect_same(p.val_acc, q.val_acc, "history.val_acc");
    expect_same(p.sigma, q.sigma, "history.sigma");
    expect_same(p.condition, q.condition, "history.condition");
    EXPECT_EQ(p.model_evals, q.model_evals);
    EXPECT_EQ(p.grad_evals, q.grad_evals);
  }
}

std::vector<RunRecord> sample_records() {
  // Deliberately not sorted by name: reading back keeps the order of add().
  return {make_record("sgd", "sgd", 0, 3, false), make_record("sgd", "sgd", 1, 5, false),
          make_record("cmaes", "cmaes", 0, 4, true), make_record("adam", "adam", 0, 0, false)};
}

std::string message_of(const std::string& path, bool allow_incomplete = false) {
  try {
    neurocma::read_results(path, allow_incomplete);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "<no error>";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces an attribute of the object at `obj`, as a hand edit (or a tool that
// merges files carelessly) would: deleted and written anew with `type`.
void edit_attr(const std::string& file, const char* obj, const char* name, hid_t type,
               hid_t mem_type, const void* value) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t o = H5Oopen(f, obj, H5P_DEFAULT);
  ASSERT_GE(o, 0);
  ASSERT_GE(H5Adelete(o, name), 0);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(o, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(a, 0);
  EXPECT_GE(H5Awrite(a, mem_type, value), 0);
  H5Aclose(a);
  H5Sclose(space);
  H5Oclose(o);
  H5Fclose(f);
}

void edit_attr(const std::string& file, const char* obj, const char* name,
               const std::string& value) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  const char* p = value.c_str();
  edit_attr(file, obj, name, type, type, &p);
  H5Tclose(type);
}

void edit_attr(const std::string& file, const char* obj, const char* name, int value) {
  edit_attr(file, obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, &value);
}

// sgd runs 0 and 1 and adam run 0, committed.
std::string write_three(const TempDir& dir) {
  const std::string path = dir / "r.h5";
  ResultsWriter w(path);
  w.add(make_record("sgd", "sgd", 0, 2, false));
  w.add(make_record("sgd", "sgd", 1, 2, false));
  w.add(make_record("adam", "adam", 0, 2, false));
  w.commit();
  return path;
}

}  // namespace

TEST(Results, WriteThenReadBackEverything) {
  TempDir dir;
  const std::string path = dir / "r.h5";
  const std::vector<RunRecord> recs = sample_records();
  {
    ResultsWriter w(path);
    for (const RunRecord& r : recs) w.add(r);
    w.commit();
  }
  const std::vector<RunRecord> back = neurocma::read_results(path);
  ASSERT_EQ(back.size(), recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same(recs[i], back[i]);
  }
  EXPECT_TRUE(std::isnan(back[0].result.history[1].sigma));
  EXPECT_DOUBLE_EQ(back[2].result.history[1].sigma, 0.25);
}

TEST(Results, RootAttributesAndLayout) {
  TempDir dir;
  const std::string path = dir / "r.h5";
  {
    ResultsWriter w(path);
    w.add(make_record("adam", "adam", 7, 2, false));
    w.commit();
  }
  // Inspect with the raw C API that the documented paths exist.
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  for (const char* a : {"format", "schema_version", "version", "created", "complete"}) {
    EXPECT_GT(H5Aexists(f, a), 0) << a;
  }
  int complete = 0;
  const hid_t attr = H5Aopen(f, "complete", H5P_DEFAULT);
  ASSERT_GE(attr, 0);
  EXPECT_GE(H5Aread(attr, H5T_NATIVE_INT, &complete), 0);
  EXPECT_EQ(complete, 1);
  H5Aclose(attr);
  for (const char* p : {"/runs/adam/run_007/history/val_loss", "/runs/adam/run_007/final/test_acc",
                        "/runs/adam/run_007/final/epochs"}) {
    EXPECT_GT(H5Oexists_by_name(f, p, H5P_DEFAULT), 0) << p;
  }
  H5Fclose(f);
}

TEST(Results, AtomicCommit) {
  TempDir dir;
  const std::string path = dir / "sub/dir/r.h5";  // parent directories are created
  {
    ResultsWriter w(path);
    w.add(make_record("sgd", "sgd", 0, 2, false));
    EXPECT_FALSE(fs::exists(path));
    EXPECT_TRUE(fs::exists(path + ".partial"));
    w.commit();
    EXPECT_TRUE(fs::exists(path));
    EXPECT_FALSE(fs::exists(path + ".partial"));
    EXPECT_THROW(w.add(make_record("sgd", "sgd", 1, 2, false)), RuntimeError);
  }
  EXPECT_TRUE(fs::exists(path));  // the destructor leaves a committed file alone
  EXPECT_EQ(neurocma::read_results(path).size(), 1u);
}

TEST(Results, DestroyedWithoutCommitRemovesPartial) {
  TempDir dir;
  const std::string path = dir / "r.h5";
  {
    ResultsWriter w(path);
    w.add(make_record("sgd", "sgd", 0, 2, false));
    ASSERT_TRUE(fs::exists(path + ".partial"));
  }
  EXPECT_FALSE(fs::exists(path + ".partial"));
  EXPECT_FALSE(fs::exists(path));
}

TEST(Results, IncompleteFileIsDetectedEvenIfRenamed) {
  TempDir dir;
  const std::string path = dir / "r.h5";
  const std::string crashed = dir / "crashed.h5";
  {
    ResultsWriter w(path);
    w.add(make_record("sgd", "sgd", 0, 2, false));
    // Simulate a crash: a copy of the partial file, as a killed run leaves it.
    fs::copy_file(path + ".partial", crashed);
  }
  const std::string m = message_of(crashed);
  EXPECT_NE(m.find(crashed), std::string::npos) << m;
  EXPECT_NE(m.find("incomplete"), std::string::npos) << m;
  // The runs written before the crash are still readable on request.
  const std::vector<RunRecord> partial = neurocma::read_results(crashed, true);
  ASSERT_EQ(partial.size(), 1u);
  expect_same(partial[0], make_record("sgd", "sgd", 0, 2, false));
}

TEST(Results, DuplicateRunIsAnError) {
  TempDir dir;
  ResultsWriter w(dir / "r.h5");
  w.add(make_record("sgd", "sgd", 0, 1, false));
  EXPECT_THROW(w.add(make_record("sgd", "sgd", 0, 1, false)), RuntimeError);
}

// A run stored under sgd's group but labelled adam used to be read as an adam
// run: silently moved to the other optimizer.
TEST(Results, RunLabelledWithAnotherOptimizerIsAnError) {
  TempDir dir;
  const std::string path = write_three(dir);
  ASSERT_EQ(neurocma::read_results(path).size(), 3u);
  edit_attr(path, "/runs/sgd/run_001", "optimizer", std::string("adam"));
  const std::string m = message_of(path);
  EXPECT_EQ(m, path +
                   ": /runs/sgd/run_001: attribute optimizer is \"adam\"; expected \"sgd\", "
                   "the name of its group");
}

// Two runs of one optimizer with the same run index used to count as two runs.
TEST(Results, RunIndexTwiceIsAnError) {
  TempDir dir;
  const std::string path = write_three(dir);
  edit_attr(path, "/runs/sgd/run_001", "run_index", 0);
  const std::string m = message_of(path);
  EXPECT_EQ(m, path +
                   ": /runs/sgd/run_001: run_index 0 is also that of /runs/sgd/run_000; "
                   "expected each run index once per optimizer");
  // Incomplete files are read with the same checks.
  EXPECT_EQ(message_of(path, /*allow_incomplete=*/true), m);
}

TEST(Results, RunIndexThatIsNotItsGroupsIsAnError) {
  TempDir dir;
  const std::string path = write_three(dir);
  edit_attr(path, "/runs/sgd/run_001", "run_index", 5);
  const std::string m = message_of(path);
  EXPECT_EQ(m, path +
                   ": /runs/sgd/run_001: attribute run_index is 5; expected the index in its "
                   "group name (run 5 is stored as /runs/sgd/run_005)");
}

// A string attribute holding an array of strings (variable or fixed length)
// made H5Aread write every element into a buffer for one: a stack or heap
// overrun on a hand-edited file (found by tests/fuzz/fuzz_results_h5).
TEST(Results, StringAttributeThatIsAnArrayIsAnError) {
  for (const bool variable : {true, false}) {
    TempDir dir;
    const std::string path = write_three(dir);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, variable ? H5T_VARIABLE : 4);
    H5Tset_cset(type, H5T_CSET_UTF8);
    const char* strings[64];
    char fixed[64 * 4];
    for (int i = 0; i < 64; ++i) strings[i] = "sgd";
    for (int i = 0; i < 64 * 4; ++i) fixed[i] = "sgd"[i % 4];
    const hsize_t dims[1] = {64};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const char* obj = "/runs/sgd/run_001";
    ASSERT_GE(H5Adelete_by_name(f, obj, "optimizer", H5P_DEFAULT), 0);
    const hid_t a =
        H5Acreate_by_name(f, obj, "optimizer", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(a, 0);
    EXPECT_GE(H5Awrite(a, type, variable ? static_cast<const void*>(strings) : fixed), 0);
    H5Aclose(a);
    H5Fclose(f);
    H5Sclose(space);
    H5Tclose(type);
    EXPECT_EQ(message_of(path),
              path + ": /runs/sgd/run_001: attribute 'optimizer' holds 64 strings, expected one")
        << (variable ? "variable length" : "fixed length");
  }
}

TEST(Results, UnwritableDirectoryNamesThePath) {
  TempDir dir;
  const std::string blocker = dir / "file";
  std::ofstream(blocker) << "x";
  // A regular file used as a directory fails even for root.
  const std::string path = blocker + "/r.h5";
  try {
    ResultsWriter w(path);
    FAIL() << "no error for an unwritable location";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(blocker), std::string::npos) << e.what();
  }
}

TEST(Results, ReadErrorsAreClear) {
  TempDir dir;
  const std::string missing = dir / "missing.h5";
  std::string m = message_of(missing);
  EXPECT_NE(m.find(missing + ": no such results file"), std::string::npos) << m;

  const std::string text = dir / "text.h5";
  std::ofstream(text) << "this is not HDF5\n";
  m = message_of(text);
  EXPECT_NE(m.find(text + ": not an HDF5 file"), std::string::npos) << m;

  // A valid HDF5 file that is not ours.
  const std::string other = dir / "other.h5";
  const hid_t f = H5Fcreate(other.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Fclose(f);
  m = message_of(other);
  EXPECT_NE(m.find(other + ": not a neurocma results file"), std::string::npos) << m;
}

TEST(StudyCsv, ExactLayout) {
  TempDir dir;
  std::vector<RunRecord> recs = sample_records();
  recs.push_back(make_record("sgd", "sgd", 2, 1, false));
  std::swap(recs[0], recs[4]);  // out of run order: rows are sorted by run_index
  neurocma::write_study_csv(dir / "csv", recs);

  const std::string sgd = slurp(dir / "csv/iris.sgd.csv");
  std::istringstream in(sgd);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], ",time,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,model_evals");
  const RunRecord r0 = make_record("sgd", "sgd", 0, 3, false);
  // model_evals is the study's counter (study_evals); 0.1+0.2 at full precision.
  EXPECT_EQ(lines[1],
            "0,0.3333333333333333,0.12345678901234568,0.975,0.2,0.9,"
            "0.30000000000000004,0.9666666666666667," +
                std::to_string(r0.result.study_evals));
  EXPECT_EQ(lines[2].substr(0, 2), "1,");
  EXPECT_EQ(lines[3].substr(0, 2), "2,");
  EXPECT_TRUE(fs::exists(dir / "csv/iris.cmaes.csv"));
  EXPECT_TRUE(fs::exists(dir / "csv/iris.adam.csv"));
  // No temporary files left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir / "csv")) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 3);
}

TEST(StudyCsv, ReadBack) {
  TempDir dir;
  const std::vector<RunRecord> recs = sample_records();
  neurocma::write_study_csv(dir.path(), recs);
  const std::vector<RunRecord> sgd = neurocma::read_study_csv(dir / "iris.sgd.csv");
  ASSERT_EQ(sgd.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const RunRecord& want = recs[static_cast<std::size_t>(i)];
    const RunRecord& got = sgd[static_cast<std::size_t>(i)];
    EXPECT_EQ(got.dataset, "iris");
    EXPECT_EQ(got.optimizer, "sgd");
    EXPECT_EQ(got.run_index, i);
    EXPECT_EQ(got.result.time, want.result.time);
    EXPECT_EQ(got.result.train_loss, want.result.train_loss);
    EXPECT_EQ(got.result.val_loss, want.result.val_loss);
    EXPECT_EQ(got.result.test_loss, want.result.test_loss);
    EXPECT_EQ(got.result.test_acc, want.result.test_acc);
    // The CSV holds the study's counter only; neurocma's own counters are unknown.
    EXPECT_EQ(got.result.study_evals, want.result.study_evals);
    EXPECT_EQ(got.result.model_evals, -1);
    EXPECT_EQ(got.result.grad_evals, -1);
  }
}

TEST(StudyCsv, PandasHeaderVariantsAndErrors) {
  TempDir dir;
  const std::string a = dir / "mnist.layerwise_cmaes.csv";
  std::ofstream(a) << "Unnamed: 0,time,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,"
                      "model_evals\r\n0,1.5,0.3,0.9,0.35,0.88,0.36,0.87,1200000.0\r\n";
  const std::vector<RunRecord> r = neurocma::read_study_csv(a);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].dataset, "mnist");
  EXPECT_EQ(r[0].optimizer, "layerwise_cmaes");
  EXPECT_EQ(r[0].result.study_evals, 1200000);
  EXPECT_EQ(r[0].result.model_evals, -1);
  EXPECT_DOUBLE_EQ(r[0].result.test_acc, 0.87);

  const std::string b = dir / "iris.sgd.csv";
  std::ofstream(b) << ",time,loss\n0,1,2\n";
  try {
    neurocma::read_study_csv(b);
    FAIL() << "no error for an unknown column";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(b + ": unknown column \"loss\""), std::string::npos)
        << e.what();
  }
  const std::string c = dir / "noname.csv";
  std::ofstream(c) << ",time\n";
  EXPECT_THROW(neurocma::read_study_csv(c), RuntimeError);
  EXPECT_THROW(neurocma::read_study_csv(dir / "iris.missing.csv"), RuntimeError);
}

// Excel and pandas' to_csv(encoding="utf-8-sig") start the file with a UTF-8
// byte-order mark, which used to be read as the name of the index column.
TEST(StudyCsv, ByteOrderMarkIsSkipped) {
  TempDir dir;
  const std::string path = dir / "iris.adam.csv";
  std::ofstream(path) << "\xEF\xBB\xBF,time,train_loss,train_acc,val_loss,val_acc,test_loss,"
                         "test_acc,model_evals\r\n0,1.5,0.3,0.9,0.35,0.88,0.36,0.87,1200\r\n";
  const std::vector<RunRecord> r = neurocma::read_study_csv(path);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].run_index, 0);
  EXPECT_DOUBLE_EQ(r[0].result.time, 1.5);
  EXPECT_EQ(r[0].result.study_evals, 1200);
}

// A run index twice in the index column is one run counted twice (or two runs
// with one name): refused, naming both lines.
TEST(StudyCsv, RunIndexTwiceIsAnError) {
  TempDir dir;
  const std::string path = dir / "iris.adam.csv";
  std::ofstream(path) << ",time,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,"
                         "model_evals\n0,1,0.3,0.9,0.3,0.9,0.3,0.9,100\n"
                         "2,1,0.3,0.9,0.3,0.9,0.3,0.9,100\n0,1,0.3,0.9,0.3,0.9,0.3,0.9,100\n";
  try {
    neurocma::read_study_csv(path);
    FAIL() << "no error for a run index twice";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ": line 4: run index 0 is also on line 2; expected each run index once");
  }
}

TEST(StudyCsv, UnwritableDirectoryNamesThePath) {
  TempDir dir;
  const std::string blocker = dir / "file";
  std::ofstream(blocker) << "x";
  try {
    neurocma::write_study_csv(blocker + "/out", sample_records());
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(blocker), std::string::npos) << e.what();
  }
}

// The shares of a job array (--run-range) add up to one CSV whose index
// column is the run index; a share run again replaces its own rows only.
TEST(StudyCsv, RunRangeSharesMergeByRunIndex) {
  TempDir dir;
  auto share = [](int first, int last, int evals) {
    std::vector<RunRecord> recs;
    for (int r = first; r <= last; ++r) {
      RunRecord rec = make_record("sgd", "sgd", r, 1, false);
      rec.result.study_evals = evals + r;
      recs.push_back(rec);
    }
    return recs;
  };
  neurocma::write_study_csv(dir.path(), share(3, 4, 100), /*merge=*/true);
  neurocma::write_study_csv(dir.path(), share(0, 2, 100), /*merge=*/true);
  std::vector<RunRecord> got = neurocma::read_study_csv(dir / "iris.sgd.csv");
  ASSERT_EQ(got.size(), 5u);
  for (int r = 0; r < 5; ++r) {
    EXPECT_EQ(got[static_cast<std::size_t>(r)].run_index, r);
    EXPECT_EQ(got[static_cast<std::size_t>(r)].result.study_evals, 100 + r);
  }
  // Rerunning share 3..4 replaces those rows and keeps 0..2.
  neurocma::write_study_csv(dir.path(), share(3, 4, 500), /*merge=*/true);
  got = neurocma::read_study_csv(dir / "iris.sgd.csv");
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[2].result.study_evals, 102);
  EXPECT_EQ(got[3].result.study_evals, 503);
  // Without merge (a whole run) the file holds exactly the records given.
  neurocma::write_study_csv(dir.path(), share(0, 1, 7));
  got = neurocma::read_study_csv(dir / "iris.sgd.csv");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].result.study_evals, 8);
}

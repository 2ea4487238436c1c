// neurocma-analyze end to end: results written with ResultsWriter and
// write_study_csv, the program run from $NEUROCMA_BIN_DIR, its exit codes,
// stderr reports and JSON output checked.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "neurocma/io/results.hpp"
#include "neurocma/stats/mann_whitney.hpp"

namespace fs = std::filesystem;

namespace {

using neurocma::RunRecord;

RunRecord make_run(const std::string& dataset, const std::string& opt, int index, double acc,
                   double time) {
  RunRecord r;
  r.optimizer = opt;
  r.optimizer_type = opt == "cmaes" ? "cmaes" : opt;
  r.hyperparams = "{}";
  r.seed = 7;
  r.run_index = index;
  r.dataset = dataset;
  r.model_shape = "4-8-3";
  r.config_json = "{}";
  r.version = "test";
  neurocma::RunResult& res = r.result;
  res.time = time;
  res.train_loss = 1 - acc;
  res.train_acc = acc;
  res.val_loss = 1.1 - acc;
  res.val_acc = acc - 0.01;
  res.test_loss = 1.2 - acc;
  res.test_acc = acc;
  res.model_evals = 1000 + index;
  res.grad_evals = opt == "cmaes" ? 0 : 500;
  res.epochs = 3;
  res.best_epoch = 3;
  res.stop = neurocma::RunStop::parse("max_epochs");
  for (int e = 1; e <= 3; ++e) {
    neurocma::EpochRecord rec;
    rec.time = time * e / 3;
    rec.train_loss = res.train_loss + 0.1 / e;
    rec.train_acc = acc - 0.05 / e;
    rec.val_loss = res.val_loss + 0.1 / e;
    rec.val_acc = acc - 0.1 / e;
    rec.model_evals = 300 * e;
    res.history.push_back(rec);
  }
  return r;
}

struct Outcome {
  int code = -1;
  std::string out, err;
};

class AnalyzeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("NEUROCMA_BIN_DIR");
    if (!bin) GTEST_SKIP() << "NEUROCMA_BIN_DIR not set";
    m_exe = std::string(bin) + "/neurocma-analyze";
    if (!fs::exists(m_exe)) GTEST_SKIP() << m_exe << " not built";
    m_dir = fs::temp_directory_path() /
            ("neurocma_analyze_cli_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }
  void TearDown() override {
    if (!m_dir.empty()) fs::remove_all(m_dir);
  }

  Outcome run(const std::string& args) {
    const std::string out = (m_dir / "stdout.txt").string(), err = (m_dir / "stderr.txt").string();
    const std::string cmd = "'" + m_exe + "' " + args + " >'" + out + "' 2>'" + err + "'";
    const int status = std::system(cmd.c_str());
    Outcome o;
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = slurp(out);
    o.err = slurp(err);
    fs::remove(out);
    fs::remove(err);
    return o;
  }

  static std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // adam: accuracies 0.90..0.909, cmaes 0.80..0.809 (clearly worse).
  void write_good(const fs::path& path) {
    neurocma::ResultsWriter w(path.string());
    for (int i = 0; i < 10; ++i) {
      w.add(make_run("iris", "adam", i, 0.90 + 0.001 * i, 2.0 + 0.01 * i));
      w.add(make_run("iris", "cmaes", i, 0.80 + 0.001 * i, 5.0 + 0.01 * i));
    }
    w.commit();
  }

  std::string m_exe;
  fs::path m_dir;
};

TEST_F(AnalyzeCli, MissingFileIsAUsageError) {
  const Outcome o = run("'" + (m_dir / "nope.h5").string() + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("nope.h5"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("no such file"), std::string::npos) << o.err;
}

TEST_F(AnalyzeCli, GarbageFileIsARuntimeError) {
  const fs::path garbage = m_dir / "garbage.h5";
  std::ofstream(garbage) << "this is not HDF5\n";
  const Outcome o = run("'" + garbage.string() + "'");
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("garbage.h5"), std::string::npos) << o.err;
  // One line.
  EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << o.err;
}

TEST_F(AnalyzeCli, BadCsvIsARuntimeError) {
  const fs::path csv = m_dir / "iris.adam.csv";
  std::ofstream(csv) << "a,b\n1,2\n";
  const Outcome o = run("'" + csv.string() + "'");
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("iris.adam.csv"), std::string::npos) << o.err;
}

TEST_F(AnalyzeCli, BadOptionsAreUsageErrors) {
  write_good(m_dir / "good.h5");
  const std::string in = "'" + (m_dir / "good.h5").string() + "'";
  EXPECT_EQ(run(in + " --alpha 1.5").code, 2);
  EXPECT_EQ(run(in + " --format html").code, 2);
  EXPECT_EQ(run(in + " --correction bonferroni").code, 2);
  const Outcome bad_metric = run(in + " --metrics test_acc,speed");
  EXPECT_EQ(bad_metric.code, 2);
  EXPECT_NE(bad_metric.err.find("speed"), std::string::npos);
}

TEST_F(AnalyzeCli, DirectoryWithIncompleteFilesReportsAndExcludes) {
  write_good(m_dir / "runs" / "good.h5");
  // A crashed run: the writer's partial file, flushed after each run, copied
  // while the writer is still open (so it lacks complete=1) under a .h5 name.
  {
    neurocma::ResultsWriter w((m_dir / "tmp" / "crashed.h5").string());
    for (int i = 0; i < 3; ++i) w.add(make_run("iris", "sgd", i, 0.99, 1.0));
    fs::copy_file(m_dir / "tmp" / "crashed.h5.partial", m_dir / "runs" / "crashed.h5");
    // and a run still in progress, by its partial name
    fs::copy_file(m_dir / "tmp" / "crashed.h5.partial", m_dir / "runs" / "inprogress.h5.partial");
  }  // destroyed without commit: its own partial file is removed
  fs::remove_all(m_dir / "tmp");
  const Outcome o = run("'" + (m_dir / "runs").string() + "' --format json");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.err.find("excluded " + (m_dir / "runs" / "crashed.h5").string()), std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find("inprogress.h5.partial"), std::string::npos) << o.err;
  const nlohmann::json j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j.at("excluded").size(), 2u);
  const nlohmann::json& d = j.at("datasets").at(0);
  // sgd (only in the incomplete files) is not averaged in.
  EXPECT_EQ(d.at("optimizers"), (std::vector<std::string>{"adam", "cmaes"}));
  const nlohmann::json& groups = d.at("groups");
  EXPECT_EQ(groups[0].at("runs"), 10);
  EXPECT_TRUE(groups[0].at("metrics").at("test_acc").at("best").get<bool>());
  EXPECT_FALSE(groups[1].at("metrics").at("test_acc").at("best").get<bool>());
  EXPECT_TRUE(groups[1].at("metrics").at("time").at("best").get<bool>() == false);
  EXPECT_TRUE(groups[0].at("metrics").at("time").at("best").get<bool>());
  // p-value matches a direct test on the values written.
  std::vector<double> adam, cmaes;
  for (int i = 0; i < 10; ++i) {
    adam.push_back(0.90 + 0.001 * i);
    cmaes.push_back(0.80 + 0.001 * i);
  }
  EXPECT_NEAR(d.at("pairwise").at("test_acc").at("p_two_sided").at(0).at(1).get<double>(),
              neurocma::mann_whitney_u(adam, cmaes).p, 1e-12);
}

TEST_F(AnalyzeCli, NamedMissingFileWithPartialIsExcluded) {
  write_good(m_dir / "good.h5");
  std::ofstream(m_dir / "running.h5.partial") << "being written";
  const Outcome o =
      run("'" + (m_dir / "good.h5").string() + "' '" + (m_dir / "running.h5").string() + "'");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.err.find("running.h5"), std::string::npos) << o.err;
}

TEST_F(AnalyzeCli, OnlyIncompleteInputsIsAnError) {
  std::ofstream(m_dir / "a.h5.partial") << "x";
  const Outcome o = run("'" + m_dir.string() + "'");
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("no complete runs"), std::string::npos) << o.err;
}

TEST_F(AnalyzeCli, StudyCsvGroupWithOneRunIsReported) {
  std::vector<RunRecord> recs;
  for (int i = 0; i < 5; ++i) recs.push_back(make_run("mnist", "adam", i, 0.97 + 0.001 * i, 10));
  recs.push_back(make_run("mnist", "sgd", 0, 0.95, 8));
  neurocma::write_study_csv((m_dir / "study").string(), recs);
  std::ofstream(m_dir / "study" / "notes.csv") << "not a result\n";  // skipped in a directory
  const Outcome o =
      run("'" + (m_dir / "study").string() + "' --out '" + (m_dir / "report.md").string() + "'");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(o.out.empty());
  EXPECT_NE(o.err.find("sgd: only 1 run"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("notes.csv"), std::string::npos) << o.err;
  const std::string md = slurp((m_dir / "report.md").string());
  EXPECT_NE(md.find("| optimizer | time | train_loss | train_acc | val_loss | val_acc | "
                    "test_loss | test_acc | model_evals |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| sgd | 8 ± n/a |"), std::string::npos) << md;
  EXPECT_NE(md.find("sgd n=1 (fewer than 2 runs"), std::string::npos);
}

TEST_F(AnalyzeCli, PlotsAndLatex) {
  write_good(m_dir / "good.h5");
  const Outcome o = run("'" + (m_dir / "good.h5").string() +
                        "' --format tex --correction holm "
                        "--plots '" +
                        (m_dir / "plots").string() + "'");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("\\textbf{"), std::string::npos);
  EXPECT_NE(o.out.find("correction = holm"), std::string::npos);
  for (const char* f :
       {"iris_box_test_acc.svg", "iris_box_test_loss.svg", "iris_curve_val_loss.svg",
        "iris_curve_val_acc.svg", "iris_time_vs_test_acc.svg"})
    EXPECT_TRUE(fs::exists(m_dir / "plots" / f)) << f;
}

}  // namespace

// A run met twice (the HDF5 file and the CSV written beside it by --csv) would
// be averaged in twice: an error naming both files, exit 2. Run-range shares
// of one experiment (disjoint run indices) are combined.
TEST_F(AnalyzeCli, RunMetTwiceIsAnErrorAndDisjointSharesCombine) {
  {
    neurocma::ResultsWriter w((m_dir / "runs" / "iris.adam.runs0-4.h5").string());
    for (int i = 0; i < 5; ++i) w.add(make_run("iris", "adam", i, 0.9, 1.0));
    w.commit();
    neurocma::ResultsWriter w2((m_dir / "runs" / "iris.adam.runs5-9.h5").string());
    for (int i = 5; i < 10; ++i) w2.add(make_run("iris", "adam", i, 0.9, 1.0));
    w2.commit();
  }
  Outcome o = run("'" + (m_dir / "runs").string() + "' --format json");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out).at("datasets").at(0).at("groups").at(0).at("runs"), 10);

  std::vector<RunRecord> csv_runs;
  for (int i = 0; i < 5; ++i) csv_runs.push_back(make_run("iris", "adam", i, 0.9, 1.0));
  neurocma::write_study_csv((m_dir / "runs" / "csv").string(), csv_runs);
  o = run("'" + (m_dir / "runs").string() + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("run 0 of iris/adam is also in"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("iris.adam.csv"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("iris.adam.runs0-4.h5"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << o.err;
}

// `neurocma-analyze r.h5 --out r.h5` used to replace its own input with the
// report. Every file read (named, found in an input directory, reached by
// another spelling, or the --reference) is refused as --out or as a plot,
// before anything is written; so is an --out that is a directory.
TEST_F(AnalyzeCli, OutputThatIsAnInputIsRefused) {
  const fs::path h5 = m_dir / "runs" / "good.h5";
  write_good(h5);
  const std::uintmax_t size = fs::file_size(h5);
  const std::string in = "'" + h5.string() + "'";
  for (const std::string& out : {h5.string(), (m_dir / "runs" / "." / "good.h5").string(),
                                 (m_dir / "runs" / ".." / "runs" / "good.h5").string()}) {
    const Outcome o = run(in + " --out '" + out + "'");
    EXPECT_EQ(o.code, 2) << out;
    EXPECT_NE(o.err.find("--out: " + out + " is the input " + h5.string() +
                         "; refusing to write over an input"),
              std::string::npos)
        << o.err;
    EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << o.err;
  }
  // Found in an input directory, named through a symlink.
  fs::create_directory_symlink(m_dir / "runs", m_dir / "link");
  Outcome o = run("'" + (m_dir / "runs").string() + "' --out '" +
                  (m_dir / "link" / "good.h5").string() + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("is the input " + h5.string()), std::string::npos) << o.err;
  // The --reference is an input too.
  const fs::path ref = m_dir / "ref.json";
  fs::copy_file(fs::path(NEUROCMA_TEST_SOURCE_DIR) / "analysis/reference/study_published.json",
                ref);
  const std::string ref_text = slurp(ref.string());
  o = run(in + " --reference '" + ref.string() + "' --out '" + ref.string() + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("is the input " + ref.string()), std::string::npos) << o.err;
  EXPECT_EQ(slurp(ref.string()), ref_text);
  // The inputs are untouched and still read.
  EXPECT_EQ(fs::file_size(h5), size);
  EXPECT_EQ(neurocma::read_results(h5.string()).size(), 20u);
  // A new file next to the input is fine.
  o = run(in + " --out '" + (m_dir / "runs" / "report.md").string() + "'");
  EXPECT_EQ(o.code, 0) << o.err;
}

TEST_F(AnalyzeCli, OutputThatIsADirectoryIsRefused) {
  write_good(m_dir / "good.h5");
  fs::create_directories(m_dir / "reports");
  const Outcome o =
      run("'" + (m_dir / "good.h5").string() + "' --out '" + (m_dir / "reports").string() + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--out: " + (m_dir / "reports").string() +
                       " is a directory; expected the report's file name"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << o.err;
}

// A results file that happens to carry a plot's name, in the --plots
// directory: the plots must not replace it (nor may the report be written).
TEST_F(AnalyzeCli, PlotThatIsAnInputIsRefused) {
  const fs::path h5 = m_dir / "plots" / "iris_box_test_loss.svg";
  write_good(h5);
  const std::uintmax_t size = fs::file_size(h5);
  const Outcome o = run("'" + h5.string() + "' --plots '" + (m_dir / "plots").string() +
                        "' --out '" + (m_dir / "report.md").string() + "'");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--plots: " + h5.string() + " is the input " + h5.string()),
            std::string::npos)
      << o.err;
  EXPECT_EQ(fs::file_size(h5), size);
  EXPECT_FALSE(fs::exists(m_dir / "plots" / "iris_box_test_acc.svg"));
  EXPECT_FALSE(fs::exists(m_dir / "report.md"));
}

// A run index twice in one study CSV was reported as "also in" the same file,
// with advice about HDF5 files and CSVs that did not apply; now the CSV is
// refused with both lines (and an HDF5 file likewise, see test_results).
TEST_F(AnalyzeCli, RunIndexTwiceInOneCsvIsAnError) {
  const fs::path csv = m_dir / "iris.adam.csv";
  std::ofstream(csv) << ",time,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,"
                        "model_evals\n"
                        "0,1,0.3,0.9,0.3,0.9,0.3,0.9,100\n"
                        "1,1,0.3,0.9,0.3,0.9,0.3,0.9,100\n"
                        "1,1,0.3,0.9,0.3,0.9,0.3,0.9,100\n";
  const Outcome o = run("'" + csv.string() + "'");
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find(csv.string() +
                       ": line 4: run index 1 is also on line 3; expected each run index once"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << o.err;
}

// A test_acc of 9 or a test_loss of -3 used to be averaged in and shown in
// bold as the best. Every final value and every epoch of the history must be
// in its metric's range; the error names the file, run, metric and value. A
// NaN loss (a diverged run) stays allowed: it is left out with a note.
TEST_F(AnalyzeCli, ValuesOutOfRangeAreErrors) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    const char* what;
    void (*spoil)(RunRecord&, double);
    const char* message;
  };
  const Case cases[] = {
      {"acc9", [](RunRecord& r, double) { r.result.test_acc = 9; },
       "iris/adam run 3: test_acc = 9; expected an accuracy in [0, 1]"},
      {"accnan", [](RunRecord& r, double n) { r.result.val_acc = n; },
       "iris/adam run 3: val_acc = nan; expected an accuracy in [0, 1]"},
      {"loss", [](RunRecord& r, double) { r.result.test_loss = -3; },
       "iris/adam run 3: test_loss = -3; expected a loss >= 0 (or NaN)"},
      {"time", [](RunRecord& r, double) { r.result.time = -0.5; },
       "iris/adam run 3: time = -0.5; expected a finite time >= 0 s"},
      {"timenan", [](RunRecord& r, double n) { r.result.time = n; },
       "iris/adam run 3: time = nan; expected a finite time >= 0 s"},
      {"evals", [](RunRecord& r, double) { r.result.model_evals = -7; },
       "iris/adam run 3: model_evals = -7; expected a count >= 0 (or -1, unknown)"},
      {"history", [](RunRecord& r, double) { r.result.history[1].val_acc = 1.5; },
       "iris/adam run 3, epoch 2: val_acc = 1.5; expected an accuracy in [0, 1]"},
  };
  for (const Case& c : cases) {
    const fs::path h5 = m_dir / (std::string(c.what) + ".h5");
    {
      neurocma::ResultsWriter w(h5.string());
      for (int i = 0; i < 5; ++i) {
        RunRecord r = make_run("iris", "adam", i, 0.9, 1.0);
        if (i == 3) c.spoil(r, nan);
        w.add(r);
      }
      w.commit();
    }
    const Outcome o = run("'" + h5.string() + "'");
    EXPECT_EQ(o.code, 1) << c.what;
    EXPECT_NE(o.err.find(h5.string() + ": " + c.message), std::string::npos) << o.err;
    EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << o.err;
  }
  // The same check holds for a study CSV.
  const fs::path csv = m_dir / "iris.sgd.csv";
  std::ofstream(csv) << ",time,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,"
                        "model_evals\n"
                        "0,1,0.3,0.9,0.3,0.9,0.3,0.9,100\n"
                        "1,1,0.3,0.9,0.3,0.9,0.3,9,100\n";
  Outcome o = run("'" + csv.string() + "'");
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find(csv.string() + ": iris/sgd run 1: test_acc = 9; expected"),
            std::string::npos)
      << o.err;
  // A diverged run's NaN loss is not an error.
  {
    neurocma::ResultsWriter w((m_dir / "diverged" / "d.h5").string());
    for (int i = 0; i < 3; ++i) {
      RunRecord r = make_run("iris", "adam", i, 0.9, 1.0);
      if (i == 1) r.result.test_loss = r.result.history[2].val_loss = nan;
      w.add(r);
    }
    w.commit();
  }
  o = run("'" + (m_dir / "diverged" / "d.h5").string() + "'");
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.err.find("1 NaN value(s) of test_loss excluded"), std::string::npos) << o.err;
}

// Excel and pandas' utf-8-sig write a byte-order mark before the header; the
// analyzer used to reject it as a bad first column.
TEST_F(AnalyzeCli, CsvWithByteOrderMarkIsRead) {
  const fs::path csv = m_dir / "iris.adam.csv";
  std::ofstream(csv) << "\xEF\xBB\xBF,time,train_loss,train_acc,val_loss,val_acc,test_loss,"
                        "test_acc,model_evals\r\n"
                        "0,1,0.3,0.9,0.3,0.9,0.3,0.9,100\r\n"
                        "1,1,0.3,0.9,0.3,0.9,0.3,0.8,100\r\n";
  const Outcome o = run("'" + csv.string() + "' --format json");
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out).at("datasets").at(0).at("groups").at(0).at("runs"), 2);
}

// End-to-end runs of the neurocma executable: results, determinism, the
// study's config format and CSV layout, and every bad-input case of the
// foundation issue (one-line error, exit code, no result file left behind).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <zlib.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "neurocma/io/results.hpp"

namespace fs = std::filesystem;
using namespace neurocma;

namespace {

std::string bin() {
  const char* b = std::getenv("NEUROCMA_BIN_DIR");
  return std::string(b ? b : "build/bin") + "/neurocma";
}

struct Result {
  int code;
  std::string err;
  std::string out;
};

// Runs a shell command, capturing stdout and stderr into files.
Result sh(const std::string& cmd, const fs::path& dir) {
  const std::string o = (dir / "stdout.txt").string(), e = (dir / "stderr.txt").string();
  const int status = std::system((cmd + " >" + o + " 2>" + e).c_str());
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(e), slurp(o)};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/neurocma_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    m_dir = tmpl;
  }
  void TearDown() override { fs::remove_all(m_dir); }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = m_dir / name;
    std::ofstream(p) << text;
    return p;
  }
  // A tiny native Iris config.
  std::string tiny(const std::string& optimizers, int epochs = 4) {
    return R"({"name": "tiny", "dataset": {"name": "iris", "standardize": true, "split": "ratio"},
      "model": {"hidden": [6], "activation": "tanh"},
      "train": {"batch_size": 16, "max_epochs": )" +
           std::to_string(epochs) + R"(, "patience": 3},
      "optimizers": [)" +
           optimizers + R"(], "runs": 2, "seed": 3})";
  }
  bool no_results_left() const {
    for (const auto& e : fs::recursive_directory_iterator(m_dir))
      if (e.path().extension() == ".h5" || e.path().extension() == ".partial") return false;
    return true;
  }
  // Checks the error contract: exit code, one line naming `needle`, no results file.
  void expect_error(const Result& r, int code, const std::string& needle) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    // Exactly one error line (warnings may precede it).
    std::istringstream lines(r.err);
    std::string line;
    int errors = 0;
    while (std::getline(lines, line))
      if (line.find("error") != std::string::npos) ++errors;
    EXPECT_EQ(errors, 1) << r.err;
    EXPECT_TRUE(no_results_left());
  }
  fs::path m_dir;
};

TEST_F(Cli, IrisRunWritesResultsCsvAndSummary) {
  const fs::path cfg = write(
      "c.json",
      tiny(R"({"name":"sgd","type":"sgd","lr":0.1},{"name":"adam","type":"adam","lr":0.01})"));
  const Result r = sh(bin() + " run " + cfg.string() + " --out " + (m_dir / "out").string() +
                          " --csv " + (m_dir / "csv").string(),
                      m_dir);
  ASSERT_EQ(r.code, 0) << r.err;
  // One table per data set, the optimizers in config order, Markdown bold off a terminal.
  EXPECT_NE(r.out.find("| iris | runs |"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("| sgd "), r.out.find("| adam "));
  EXPECT_NE(r.out.find("Mann-Whitney"), std::string::npos);
  EXPECT_NE(r.out.find("**"), std::string::npos);
  const std::vector<RunRecord> recs = read_results((m_dir / "out" / "tiny.h5").string());
  ASSERT_EQ(recs.size(), 4u);
  for (const RunRecord& rec : recs) {
    EXPECT_GE(rec.result.epochs, 1);
    EXPECT_EQ(rec.result.history.size(), static_cast<size_t>(rec.result.epochs));
    EXPECT_GT(rec.result.test_acc, 0.3);
    EXPECT_EQ(rec.model_shape, "4-6-3");
  }
  EXPECT_TRUE(fs::exists(m_dir / "csv" / "iris.sgd.csv"));
  EXPECT_TRUE(fs::exists(m_dir / "csv" / "iris.adam.csv"));
}

TEST_F(Cli, SameSeedGivesBitIdenticalResults) {
  const fs::path cfg = write("c.json", tiny(R"({"name":"adam","type":"adam","lr":0.01})", 6));
  for (const char* d : {"a", "b"})
    ASSERT_EQ(
        sh(bin() + " run " + cfg.string() + " --quiet --out " + (m_dir / d).string(), m_dir).code,
        0);
  const auto a = read_results((m_dir / "a" / "tiny.h5").string());
  const auto b = read_results((m_dir / "b" / "tiny.h5").string());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].result.history.size(), b[i].result.history.size());
    for (size_t e = 0; e < a[i].result.history.size(); ++e) {
      EXPECT_EQ(a[i].result.history[e].train_loss, b[i].result.history[e].train_loss);
      EXPECT_EQ(a[i].result.history[e].val_acc, b[i].result.history[e].val_acc);
    }
    EXPECT_EQ(a[i].result.test_loss, b[i].result.test_loss);
  }
  // A different seed changes the numbers.
  ASSERT_EQ(
      sh(bin() + " run " + cfg.string() + " --quiet --seed 99 --out " + (m_dir / "c").string(),
         m_dir)
          .code,
      0);
  const auto c = read_results((m_dir / "c" / "tiny.h5").string());
  EXPECT_NE(a[0].result.history[0].train_loss, c[0].result.history[0].train_loss);
}

TEST_F(Cli, StudyFormatConfigRunsAndCsvHasStudyLayout) {
  const fs::path cfg = write("iris.adam.json", R"({"dataset_name": "iris",
    "train_val_test_ratios": [0.6, 0.2, 0.2], "batch_size": 16, "epochs": 5, "use_wandb": false,
    "log_interval": 1, "random_seed": 42,
    "mlp_layers": {"input_dim": 4, "hidden_dim": 10, "output_dim": 3},
    "early_stopping": {"patience": 3, "delta": 0.001},
    "optimizer_config": {"name": "adam", "learning_rate": 0.1061}})");
  const Result r = sh(bin() + " run " + cfg.string() + " --runs 3 --quiet --out " +
                          (m_dir / "out").string() + " --csv " + (m_dir / "csv").string(),
                      m_dir);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(m_dir / "csv" / "iris.adam.csv");
  ASSERT_TRUE(in);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header, ",time,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,model_evals");
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    EXPECT_EQ(line.substr(0, line.find(',')), std::to_string(rows));
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 8);
    ++rows;
  }
  EXPECT_EQ(rows, 3);
  // The CSV's model_evals is the study's counter, stored as study_evals.
  const auto recs = read_results((m_dir / "out").string() + "/" +
                                 fs::directory_iterator(m_dir / "out")->path().filename().string());
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].model_shape, "4-10-3");
  const auto csv = read_study_csv((m_dir / "csv" / "iris.adam.csv").string());
  ASSERT_EQ(csv.size(), 3u);
  EXPECT_EQ(csv[0].result.study_evals, recs[0].result.study_evals);
  EXPECT_GT(recs[0].result.study_evals, recs[0].result.model_evals);
}

TEST_F(Cli, SummaryBoldsOnlyTheMannWhitneyBest) {
  // Adam at lr 0.05 learns Iris in 20 epochs; SGD at lr 1e-5 does not move.
  const fs::path cfg = write(
      "s.json",
      tiny(R"({"name":"slow","type":"sgd","lr":1e-5},{"name":"adam","type":"adam","lr":0.05})",
           20));
  const Result r =
      sh(bin() + " run " + cfg.string() + " --runs 8 --quiet --out " + (m_dir / "out").string(),
         m_dir);
  ASSERT_EQ(r.code, 0) << r.err;
  auto cells = [&](const std::string& row) {
    const std::size_t b = r.out.find("| " + row + " ");
    const std::string line = r.out.substr(b, r.out.find('\n', b) - b);
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '|')) out.push_back(c);
    return out;  // "", name, runs, time, train_loss, train_acc, ...
  };
  const std::vector<std::string> adam = cells("adam"), slow = cells("slow");
  ASSERT_GE(adam.size(), 10u) << r.out;
  const std::size_t test_acc = 9;  // "", name, runs, time, trl, tra, vl, va, tel, tea
  EXPECT_NE(adam[test_acc].find("**"), std::string::npos) << r.out;
  EXPECT_EQ(slow[test_acc].find("**"), std::string::npos) << r.out;
}

TEST_F(Cli, MalformedJson) {
  const fs::path cfg = write("bad.json", "{\"name\": \"x\", ");
  expect_error(sh(bin() + " run " + cfg.string() + " --out " + m_dir.string(), m_dir), 2,
               "bad.json");
}

TEST_F(Cli, UnknownOptimizer) {
  const fs::path cfg = write("c.json", tiny(R"({"name":"lbfgs","type":"lbfgs","lr":0.1})"));
  expect_error(sh(bin() + " run " + cfg.string() + " --out " + m_dir.string(), m_dir), 2, "lbfgs");
}

TEST_F(Cli, NegativeLearningRate) {
  const fs::path cfg = write("c.json", tiny(R"({"name":"sgd","type":"sgd","lr":-0.1})"));
  expect_error(sh(bin() + " run " + cfg.string() + " --out " + m_dir.string(), m_dir), 2, "lr");
}

TEST_F(Cli, RunsZero) {
  const fs::path cfg = write("c.json", tiny(R"({"name":"sgd","type":"sgd","lr":0.1})"));
  expect_error(sh(bin() + " run " + cfg.string() + " --runs 0 --out " + m_dir.string(), m_dir), 2,
               "--runs");
}

TEST_F(Cli, UnwritableOutputDirectory) {
  const fs::path cfg = write("c.json", tiny(R"({"name":"sgd","type":"sgd","lr":0.1})"));
  // A regular file where a directory is expected cannot be written into, even as root.
  write("blocker", "x");
  expect_error(
      sh(bin() + " run " + cfg.string() + " --out " + (m_dir / "blocker" / "out").string(), m_dir),
      2, "blocker");
}

TEST_F(Cli, MissingDataFiles) {
  const fs::path cfg = write("m.json", R"({"name": "m", "dataset": {"name": "mnist"},
    "optimizers": [{"name": "sgd", "type": "sgd", "lr": 0.1}], "runs": 1})");
  fs::create_directories(m_dir / "empty");
  // An empty data dir and no other location (the test overrides HOME and the env var).
  const std::string env = "env NEUROCMA_DATA_DIR=" + (m_dir / "empty").string() +
                          " HOME=" + m_dir.string() +
                          " XDG_CACHE_HOME=" + (m_dir / "cache").string() + " ";
  const Result r = sh(env + bin() + " run " + cfg.string() + " --data-dir " +
                          (m_dir / "empty").string() + " --out " + (m_dir / "out").string(),
                      m_dir);
  if (fs::exists("/usr/share/datasets/mnist")) GTEST_SKIP() << "a system-wide MNIST is installed";
  expect_error(r, 1, "mnist");
}

TEST_F(Cli, CorruptIdxFile) {
  const fs::path data = m_dir / "corrupt";
  fs::create_directories(data);
  // Valid gzip streams whose content has a wrong magic number.
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    gzFile gz = gzopen((data / f).c_str(), "wb");
    const char junk[] = "\x00\x00\x09\x99 not an idx file";
    gzwrite(gz, junk, sizeof junk);
    gzclose(gz);
  }
  const fs::path cfg = write("m.json", R"({"name": "m", "dataset": {"name": "mnist"},
    "optimizers": [{"name": "sgd", "type": "sgd", "lr": 0.1}], "runs": 1})");
  const Result r = sh(bin() + " run " + cfg.string() + " --data-dir " + data.string() + " --out " +
                          (m_dir / "out").string(),
                      m_dir);
  expect_error(r, 1, "idx");
}

TEST_F(Cli, HelpAndUnknownFlag) {
  EXPECT_EQ(sh(bin() + " --help", m_dir).code, 0);
  EXPECT_EQ(sh(bin() + " run --no-such-flag x.json", m_dir).code, 2);
}

}  // namespace

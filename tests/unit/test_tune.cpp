// The tune study file (append, resume, cut-short lines, mismatches) and
// `neurocma tune` end to end on a tiny Iris config: serial, under mpirun -n 2,
// resumed, and with its tuned config fed back to `neurocma run`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "neurocma/app/experiment.hpp"
#include "neurocma/app/tune_study.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/trial_store.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace neurocma {
namespace {

fs::path temp_dir(const std::string& tag) {
  const fs::path base =
      fs::temp_directory_path() / ("neurocma_tune_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base);
  return base;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TrialRecord make_record(const std::string& opt, int trial, double lr, double value) {
  TrialRecord r;
  r.optimizer = opt;
  r.optimizer_type = "adam";
  r.trial = trial;
  r.params = {{"lr", lr}};
  r.objective = value;
  r.values = {value};
  r.seeds = {12345678901234567890ULL};
  r.time = 0.5;
  r.status = std::isfinite(value) ? "ok" : "failed";
  if (!std::isfinite(value)) r.reason = "diverged";
  r.space = {{"lr", {{"low", 1e-4}, {"high", 1.0}, {"log", true}, {"int", false}}}};
  return r;
}

const json kHeader = {{"config", "t"}, {"seed", 1}, {"sampler", "tpe"}};

TEST(TrialStore, AppendAndResumeKeepEveryTrialOnce) {
  const fs::path dir = temp_dir("store");
  const std::string path = (dir / "t.tune.jsonl").string();
  std::ostringstream warn;
  {
    TrialStore store(path, kHeader, warn);
    EXPECT_TRUE(store.records().empty());
    store.append(make_record("adam", 0, 0.01, 0.5));
    store.append(make_record("adam", 1, 0.1 / 3, std::nan("")));
    store.append(make_record("sgd", 0, 0.2, 0.25));
  }
  TrialStore again(path, kHeader, warn);
  ASSERT_EQ(again.records().size(), 3u);
  EXPECT_EQ(again.records()[0].params["lr"].get<double>(), 0.01);
  EXPECT_EQ(again.records()[1].params["lr"].get<double>(), 0.1 / 3);  // exact round trip
  EXPECT_EQ(again.records()[1].status, "failed");
  EXPECT_TRUE(std::isnan(again.records()[1].objective));
  EXPECT_EQ(again.records()[2].optimizer, "sgd");
  EXPECT_EQ(again.records()[0].seeds[0], 12345678901234567890ULL);
  EXPECT_TRUE(warn.str().empty()) << warn.str();

  // A duplicate (optimizer, trial) is ignored with a warning.
  again.append(make_record("adam", 0, 0.9, 0.1));
  std::ostringstream warn2;
  TrialStore third(path, kHeader, warn2);
  ASSERT_EQ(third.records().size(), 3u);
  EXPECT_EQ(third.records()[0].params["lr"].get<double>(), 0.01);
  EXPECT_NE(warn2.str().find("recorded twice"), std::string::npos);
  fs::remove_all(dir);
}

TEST(TrialStore, CutShortLastLineIsDroppedWithAWarning) {
  const fs::path dir = temp_dir("cut");
  const std::string path = (dir / "t.tune.jsonl").string();
  std::ostringstream warn;
  {
    TrialStore store(path, kHeader, warn);
    store.append(make_record("adam", 0, 0.01, 0.5));
    store.append(make_record("adam", 1, 0.02, 0.4));
  }
  {
    // A crash in the middle of the third write.
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f << trial_to_json(make_record("adam", 2, 0.03, 0.3)).dump().substr(0, 40);
  }
  std::ostringstream w1;
  {
    TrialStore store(path, kHeader, w1);
    EXPECT_EQ(store.records().size(), 2u);
    EXPECT_NE(w1.str().find("cut-short"), std::string::npos) << w1.str();
    store.append(make_record("adam", 2, 0.03, 0.3));  // re-run of the lost trial
  }
  std::ostringstream w2;
  const std::vector<TrialRecord> all = read_trials(path, w2);
  ASSERT_EQ(all.size(), 3u);
  for (int t = 0; t < 3; ++t) EXPECT_EQ(all[static_cast<std::size_t>(t)].trial, t);
  EXPECT_TRUE(w2.str().empty()) << w2.str();

  // A whole last record that only lacks its newline is kept.
  {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f << trial_to_json(make_record("adam", 3, 0.04, 0.2)).dump();
  }
  {
    TrialStore store(path, kHeader, w2);
    EXPECT_EQ(store.records().size(), 4u);
    store.append(make_record("adam", 4, 0.05, 0.1));
  }
  EXPECT_EQ(read_trials(path, w2).size(), 5u);

  // Garbage in the middle is an error, not silently skipped.
  {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f << "{not json\n" << trial_to_json(make_record("adam", 5, 0.05, 0.1)).dump() << "\n";
  }
  EXPECT_THROW(read_trials(path, w2), RuntimeError);
  fs::remove_all(dir);
}

TEST(TrialStore, DifferentStudyIsAConfigError) {
  const fs::path dir = temp_dir("mismatch");
  const std::string path = (dir / "t.tune.jsonl").string();
  std::ostringstream warn;
  { TrialStore store(path, kHeader, warn); }
  json other = kHeader;
  other["sampler"] = "random";
  try {
    TrialStore store(path, other, warn);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("sampler"), std::string::npos) << msg;
  }
  fs::remove_all(dir);
}

TEST(TuneSeeds, DifferFromRunSeedsAndFromEachOther) {
  const std::vector<std::uint64_t> s = tune_seeds(1, 5);
  ASSERT_EQ(s.size(), 5u);
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(s[i], s[j]);
    for (int r = 0; r < 1000; ++r) EXPECT_NE(s[i], run_seed(1, r));
  }
  EXPECT_EQ(tune_seeds(1, 3), std::vector<std::uint64_t>(s.begin(), s.begin() + 3));
  EXPECT_NE(tune_seeds(2, 1)[0], s[0]);
}

TEST(TuneObjective, BestFiniteValidationLossOrFailure) {
  RunResult r;
  r.history.resize(3);
  r.history[0].val_loss = 0.9;
  r.history[1].val_loss = 0.4;
  r.history[2].val_loss = 0.6;
  r.test_loss = 0.01;  // never used
  r.stop = RunStop::parse("max_epochs");
  EXPECT_EQ(tune_objective(r), 0.4);
  r.history[1].val_loss = std::nan("");
  EXPECT_EQ(tune_objective(r), 0.6);
  r.stop = RunStop::parse("diverged");
  EXPECT_TRUE(std::isnan(tune_objective(r)));
  RunResult empty;
  empty.stop = RunStop::parse("error: bad lr");
  EXPECT_TRUE(std::isnan(tune_objective(empty)));
}

// --- end to end through the executable

std::string bin() {
  const char* d = std::getenv("NEUROCMA_BIN_DIR");
  return d ? std::string(d) + "/neurocma" : std::string();
}

int shell(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

fs::path write_tiny_config(const fs::path& dir, const json& extra = json::object()) {
  json cfg = {
      {"name", "tiny"},
      {"dataset", {{"name", "iris"}}},
      {"model", {{"hidden", {8}}}},
      {"train", {{"batch_size", 16}, {"max_epochs", 3}, {"patience", 3}}},
      {"optimizers", {{{"name", "sgd"}, {"type", "sgd"}}, {{"name", "adam"}, {"type", "adam"}}}},
      {"runs", 1},
      {"seed", 7},
      {"out_dir", (dir / "results").string()}};
  cfg.update(extra);
  const fs::path p = dir / "tiny.json";
  std::ofstream(p) << cfg.dump(2);
  return p;
}

// (optimizer, trial) -> the record's JSON line (header excluded).
std::map<std::pair<std::string, int>, json> trial_lines(const fs::path& jsonl) {
  std::map<std::pair<std::string, int>, json> out;
  std::istringstream in(read_text(jsonl));
  std::string line;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    if (j.contains("neurocma_tune")) continue;
    const auto key = std::make_pair(j.at("optimizer").get<std::string>(), j.at("trial").get<int>());
    EXPECT_EQ(out.count(key), 0u) << "trial repeated: " << line;
    out[key] = j;
  }
  return out;
}

class TuneCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (bin().empty() || !fs::exists(bin())) GTEST_SKIP() << "NEUROCMA_BIN_DIR not set";
    m_dir = temp_dir("cli");
    m_cfg = write_tiny_config(m_dir);
  }
  void TearDown() override {
    if (!m_dir.empty()) fs::remove_all(m_dir);
  }
  std::string tune(const std::string& out, const std::string& args) const {
    return bin() + " tune " + m_cfg.string() + " --out " + (m_dir / out).string() + " " + args +
           " >" + (m_dir / (out + ".stdout")).string() + " 2>" +
           (m_dir / (out + ".stderr")).string();
  }
  fs::path m_dir, m_cfg;
};

TEST_F(TuneCli, TinyIrisTuneWritesTrialsAndARunnableTunedConfig) {
  ASSERT_EQ(shell(tune("a", "--trials 4")), 0) << read_text(m_dir / "a.stderr");
  const fs::path jsonl = m_dir / "a" / "tiny.tune.jsonl";
  const fs::path tuned = m_dir / "a" / "tiny.tuned.json";
  ASSERT_TRUE(fs::exists(jsonl));
  ASSERT_TRUE(fs::exists(tuned));
  const auto trials = trial_lines(jsonl);
  ASSERT_EQ(trials.size(), 8u);
  std::map<std::string, std::pair<double, double>> best;  // optimizer -> (objective, lr)
  for (const std::string opt : {"sgd", "adam"}) {
    for (int t = 0; t < 4; ++t) {
      ASSERT_EQ(trials.count({opt, t}), 1u) << opt << " " << t;
      const json& j = trials.at({opt, t});
      const double lr = j["params"]["lr"].get<double>();
      EXPECT_GE(lr, 1e-4);
      EXPECT_LE(lr, 1.0);
      EXPECT_EQ(j["values"].size(), 1u);
      if (j["status"] == "ok") {
        const double v = j["objective"].get<double>();
        EXPECT_TRUE(std::isfinite(v));
        EXPECT_GT(v, 0.0);
        if (!best.count(opt) || v < best[opt].first) best[opt] = {v, lr};
      }
    }
  }
  // The tuned config carries the best lr of each optimizer.
  const json tj = json::parse(read_text(tuned));
  for (const json& o : tj["optimizers"]) {
    const std::string name = o["name"];
    ASSERT_TRUE(best.count(name)) << name;
    EXPECT_EQ(o["lr"].get<double>(), best[name].second) << name;
  }
  const std::string table = read_text(m_dir / "a.stdout");
  EXPECT_NE(table.find("best adam"), std::string::npos) << table;
  // ... and `neurocma run` accepts it.
  EXPECT_EQ(shell(bin() + " run " + tuned.string() + " --quiet --out " + (m_dir / "run").string() +
                  " >/dev/null 2>" + (m_dir / "run.stderr").string()),
            0)
      << read_text(m_dir / "run.stderr");
  EXPECT_TRUE(fs::exists(m_dir / "run" / "tiny.h5"));
}

TEST_F(TuneCli, ResumeContinuesWithoutRepeatingOrLosingTrials) {
  ASSERT_EQ(shell(tune("r", "--trials 3 --quiet")), 0) << read_text(m_dir / "r.stderr");
  const auto first = trial_lines(m_dir / "r" / "tiny.tune.jsonl");
  ASSERT_EQ(first.size(), 6u);
  ASSERT_EQ(shell(tune("r", "--trials 5 --quiet")), 0) << read_text(m_dir / "r.stderr");
  const auto second = trial_lines(m_dir / "r" / "tiny.tune.jsonl");
  ASSERT_EQ(second.size(), 10u);
  for (const auto& [key, j] : first) EXPECT_EQ(second.at(key), j) << key.first << key.second;
  // The continuation equals a study run in one go (random startup phase).
  ASSERT_EQ(shell(tune("f", "--trials 5 --quiet")), 0) << read_text(m_dir / "f.stderr");
  const auto fresh = trial_lines(m_dir / "f" / "tiny.tune.jsonl");
  ASSERT_EQ(fresh.size(), 10u);
  for (const auto& [key, j] : fresh) {
    EXPECT_EQ(second.at(key)["params"], j["params"]) << key.first << key.second;
    EXPECT_EQ(second.at(key)["objective"], j["objective"]) << key.first << key.second;
  }
  // Same directory, different study settings: refused with exit code 2.
  EXPECT_EQ(shell(tune("r", "--trials 5 --sampler random")), 2);
  EXPECT_NE(read_text(m_dir / "r.stderr").find("sampler"), std::string::npos);
}

TEST_F(TuneCli, UnderMpirunTheTrialSetIsTheSame) {
  if (shell("command -v mpirun >/dev/null 2>&1") != 0) GTEST_SKIP() << "no mpirun";
  ASSERT_EQ(shell(tune("s", "--trials 4 --quiet")), 0) << read_text(m_dir / "s.stderr");
  const std::string cmd =
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
      "mpirun -n 2 --oversubscribe " +
      tune("m", "--trials 4 --quiet");
  ASSERT_EQ(shell(cmd), 0) << read_text(m_dir / "m.stderr");
  const auto serial = trial_lines(m_dir / "s" / "tiny.tune.jsonl");
  const auto mpi = trial_lines(m_dir / "m" / "tiny.tune.jsonl");
  ASSERT_EQ(serial.size(), 8u);
  ASSERT_EQ(mpi.size(), 8u);
  for (const auto& [key, j] : serial) {
    ASSERT_EQ(mpi.count(key), 1u) << key.first << key.second;
    EXPECT_EQ(mpi.at(key)["params"], j["params"]) << key.first << key.second;
    EXPECT_EQ(mpi.at(key)["objective"], j["objective"]) << key.first << key.second;
    EXPECT_EQ(mpi.at(key)["status"], j["status"]) << key.first << key.second;
  }
}

TEST_F(TuneCli, BadArgumentsAndSearchSpacesExitWithCode2) {
  EXPECT_EQ(shell(tune("b", "--trials 2 --sampler annealing")), 2);
  EXPECT_NE(read_text(m_dir / "b.stderr").find("--sampler"), std::string::npos);
  EXPECT_EQ(shell(tune("b", "--trials 2 --optimizer rmsprop")), 2);
  EXPECT_EQ(shell(tune("b", "--trials 0")), 2);
  const fs::path bad =
      write_tiny_config(m_dir, {{"search", {{"adam", {{"lr", {{"low", 0.5}, {"high", 0.1}}}}}}}});
  EXPECT_EQ(shell(bin() + " tune " + bad.string() + " --trials 2 --out " + (m_dir / "b").string() +
                  " >/dev/null 2>" + (m_dir / "b.stderr").string()),
            2);
  const std::string err = read_text(m_dir / "b.stderr");
  EXPECT_NE(err.find("tiny.json"), std::string::npos) << err;
  EXPECT_NE(err.find("search.adam.lr.low"), std::string::npos) << err;
}

TEST_F(TuneCli, TrialZeroIsTheConfiguredPoint) {
  // The configured lr of each optimizer (0.01, the default) is tried first,
  // so tuning never ends worse than it started by its own objective.
  ASSERT_EQ(shell(tune("z", "--trials 2 --quiet")), 0) << read_text(m_dir / "z.stderr");
  const auto trials = trial_lines(m_dir / "z" / "tiny.tune.jsonl");
  EXPECT_EQ(trials.at({"sgd", 0})["params"]["lr"].get<double>(), 0.01);
  EXPECT_EQ(trials.at({"adam", 0})["params"]["lr"].get<double>(), 0.01);
  EXPECT_NE(trials.at({"adam", 1})["params"]["lr"].get<double>(), 0.01);
}

}  // namespace
}  // namespace neurocma

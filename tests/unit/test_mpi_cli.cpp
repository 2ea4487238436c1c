// End-to-end MPI checks through the real CLI under mpirun:
//  - the same config and seed give bit-identical metrics (HDF5) without a
//    launcher and under mpirun -n 1..4 with several group sizes;
//  - an error on a non-zero rank (leader or worker) ends the whole job
//    promptly with a non-zero exit and one error line;
//  - SIGTERM to mpirun ends every rank and leaves no results or .partial file.
// Skipped when NEUROCMA_BIN_DIR is unset or mpirun is not installed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_test.hpp"
#include "neurocma/io/results.hpp"
#include "run_compare.hpp"

namespace fs = std::filesystem;
using namespace neurocma;

namespace {

using testing_support::Child;
using testing_support::Outcome;

Outcome run(const std::string& cmd) {
  return testing_support::run_shell(cmd);
}

class MpiCli : public testing_support::CliTest {
 protected:
  void SetUp() override {
    prepare("neurocma", "neurocma_mpi_cli_");
    if (!IsSkipped()) require_mpirun();
  }

  // Iris with three CMA-ES variants (popsizes not divisible by the group
  // sizes) and Adam. max_epochs/patience set the run length.
  std::string write_config(int max_epochs, int runs) {
    const std::string path = (m_dir / "cfg.json").string();
    std::ofstream f(path);
    f << R"({"name": "det", "dataset": {"name": "iris", "standardize": true, "split": "ratio"},
      "model": {"hidden": [8], "activation": "relu"},
      "train": {"batch_size": 16, "max_epochs": )"
      << max_epochs << R"(, "patience": 1000},
      "optimizers": [
        {"name": "sep", "type": "cmaes", "variant": "sep", "popsize": 13, "sigma0": 0.1},
        {"name": "full", "type": "cmaes", "variant": "full", "popsize": 10, "sigma0": 0.1},
        {"name": "lm", "type": "cmaes", "variant": "lm", "popsize": 11, "sigma0": 0.1},
        {"name": "adam", "type": "adam", "lr": 0.01}],
      "runs": )"
      << runs << R"(, "seed": 5})";
    return path;
  }

  std::string run_cmd(const std::string& launcher, const std::string& cfg, const std::string& out,
                      const std::string& extra = "") {
    return "timeout 120 " + launcher + " " + m_exe + " run " + cfg + " --quiet --result-file " +
           out + " " + extra;
  }
};

// Every recorded metric except wall-clock times.
void expect_identical(const std::vector<RunRecord>& a, const std::vector<RunRecord>& b,
                      const std::string& what) {
  testing_support::expect_same_records(a, b, what);
}

TEST_F(MpiCli, SameMetricsForAnyRankCountAndGroupSize) {
  const std::string cfg = write_config(3, 2);
  const std::string ref_file = (m_dir / "serial.h5").string();
  const Outcome ref = run(run_cmd("", cfg, ref_file));
  ASSERT_EQ(ref.rc, 0) << ref.output;
  const std::vector<RunRecord> reference = read_results(ref_file);
  ASSERT_EQ(reference.size(), 8u);

  struct Variant {
    int np;
    int group;  // --ranks-per-run, 0 = default
  };
  for (const Variant v : {Variant{1, 0}, Variant{2, 0}, Variant{2, 2}, Variant{3, 3}, Variant{3, 0},
                          Variant{4, 2}, Variant{4, 4}}) {
    const std::string tag = "np" + std::to_string(v.np) + "_g" + std::to_string(v.group);
    const std::string file = (m_dir / (tag + ".h5")).string();
    const Outcome o = run("NEUROCMA_MPI_STATS=1 " +
                          run_cmd("mpirun -n " + std::to_string(v.np), cfg, file,
                                  v.group ? "--ranks-per-run " + std::to_string(v.group) : ""));
    ASSERT_EQ(o.rc, 0) << tag << "\n" << o.output;
    if (v.group > 1) {
      // The workers really evaluated candidates (not just the leader).
      EXPECT_NE(o.output.find("size " + std::to_string(v.group)), std::string::npos) << o.output;
      EXPECT_EQ(o.output.find("distributed generations 0,"), std::string::npos)
          << tag << ": a group of " << v.group << " never distributed a generation\n"
          << o.output;
    }
    expect_identical(reference, read_results(file), tag);
  }
}

TEST_F(MpiCli, FaultOnALeaderEndsEveryRank) {
  const std::string cfg = write_config(200, 4);
  const std::string file = (m_dir / "fault.h5").string();
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome o = run("NEUROCMA_FAULT_INJECT=rank:1 " + run_cmd("mpirun -n 2", cfg, file));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(o.rc, 0) << o.output;
  EXPECT_NE(o.rc, 124) << "timed out: the ranks hung\n" << o.output;
  EXPECT_NE(o.output.find("injected fault"), std::string::npos) << o.output;
  size_t lines = 0;
  for (size_t p = o.output.find("neurocma: error:"); p != std::string::npos;
       p = o.output.find("neurocma: error:", p + 1))
    ++lines;
  EXPECT_EQ(lines, 1u) << o.output;
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".partial"));
  RecordProperty("seconds", std::to_string(secs));
}

TEST_F(MpiCli, FaultOnAWorkerEndsEveryRank) {
  const std::string cfg = write_config(200, 1);
  const std::string file = (m_dir / "fault.h5").string();
  const Outcome o = run("NEUROCMA_FAULT_INJECT=rank:1 " +
                        run_cmd("mpirun -n 2", cfg, file, "--ranks-per-run 2 --optimizer sep"));
  EXPECT_NE(o.rc, 0) << o.output;
  EXPECT_NE(o.rc, 124) << "timed out: the ranks hung\n" << o.output;
  EXPECT_NE(o.output.find("injected fault"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("evaluating candidates"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".partial"));
}

TEST_F(MpiCli, SigtermToMpirunLeavesNoResults) {
  const std::string cfg = write_config(100000, 4);
  const std::string file = (m_dir / "term.h5").string();
  // The shell prints its pid and becomes mpirun (via exec), so we can signal it.
  Child child("mpirun -n 2 " + m_exe + " run " + cfg + " --quiet --result-file " + file);
  const pid_t pid = child.pid();
  ASSERT_GT(pid, 0);
  // Wait until training is under way (the partial file exists).
  for (int i = 0; i < 300 && !fs::exists(file + ".partial"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(fs::exists(file + ".partial"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(pid, SIGTERM);
  const auto t0 = std::chrono::steady_clock::now();
  // Guard against a hang: escalate after 60 s so the test itself ends.
  std::thread guard([pid, t0] {
    while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)) {
      if (kill(pid, 0) != 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid, SIGKILL);
  });
  const Outcome o = child.wait();
  const std::string& rest = o.output;
  guard.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 60.0) << "mpirun did not end after SIGTERM\n" << rest;
  EXPECT_NE(o.rc, 0) << rest;
  EXPECT_FALSE(fs::exists(file)) << rest;
  EXPECT_FALSE(fs::exists(file + ".partial")) << rest;
}

// Every rank parses the same command line; the job reports a usage error once.
TEST_F(MpiCli, AUsageErrorIsPrintedOncePerJob) {
  for (const std::string& args :
       {std::string("run --no-such-flag x.json"), "run " + (m_dir / "missing.json").string()}) {
    const Outcome o = run("timeout 60 mpirun -n 2 " + m_exe + " " + args);
    EXPECT_EQ(o.rc, 2) << o.output;
    size_t count = 0;
    for (const char* needle : {"no-such-flag", "missing.json: cannot open"})
      for (size_t p = o.output.find(needle); p != std::string::npos;
           p = o.output.find(needle, p + 1))
        ++count;
    EXPECT_EQ(count, 1u) << args << "\n" << o.output;
  }
}

}  // namespace

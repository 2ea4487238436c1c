// Checkpoint and resume through the real CLI (no MPI launcher):
//  - kill -9 in the middle of a run, then `run --resume`: the results equal an
//    uninterrupted run's bit for bit (all metrics but wall time);
//  - SIGTERM and SIGUSR1 write a checkpoint and exit with code 3, leaving no
//    results file; resuming twice still gives the same numbers;
//  - a checkpoint of another config, or a corrupt one, is refused with one
//    clear line and no training;
//  - under mpirun: a serial checkpoint resumes on 2 ranks with a group of 2,
//    and SIGUSR1 to mpirun checkpoints every rank's job for a serial resume.
// Skipped when NEUROCMA_BIN_DIR is unset.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
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

// Runs to completion (bounded by timeout(1), which must not be used for
// commands that get signals: it would take them itself).
Outcome run(const std::string& cmd) {
  Child c("timeout 300 " + cmd);
  return c.wait();
}

// Polls `ready` for up to 60 s.
bool wait_for(const std::function<bool()>& ready) {
  for (int i = 0; i < 6000; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool has_job_checkpoint(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind("job-", 0) == 0 && e.path().extension() == ".ckpt")
      return true;
  return false;
}

void expect_identical(const std::vector<RunRecord>& a, const std::vector<RunRecord>& b,
                      const std::string& what) {
  testing_support::expect_same_records(a, b, what);
}

class ResumeCli : public testing_support::CliTest {
 protected:
  void SetUp() override { prepare("neurocma", "neurocma_resume_"); }

  // Iris, two CMA-ES variants and two gradient methods, long enough runs
  // (no early stopping) that a signal lands in the middle.
  std::string write_config(const std::string& file, int max_epochs, double adam_lr = 0.01) {
    const std::string path = (m_dir / file).string();
    std::ofstream f(path);
    f << R"({"name": "resume", "dataset": {"name": "iris", "standardize": true, "split": "ratio"},
      "model": {"hidden": [8], "activation": "relu"},
      "train": {"batch_size": 16, "max_epochs": )"
      << max_epochs << R"(, "patience": 100000},
      "optimizers": [
        {"name": "sep", "type": "cmaes", "variant": "sep", "popsize": 13, "sigma0": 0.1},
        {"name": "full", "type": "cmaes", "variant": "full", "popsize": 10, "sigma0": 0.1,
         "active": true},
        {"name": "adam", "type": "adam", "lr": )"
      << adam_lr << R"(},
        {"name": "sgd", "type": "sgd", "lr": 0.05, "momentum": 0.9}],
      "runs": 2, "seed": 9})";
    return path;
  }

  // Progress lines on: the tests wait for "start run ..." and check the
  // resume notes.
  std::string cmd(const std::string& cfg, const std::string& file, const std::string& extra = "") {
    return m_exe + " run " + cfg + " --result-file " + file + " " + extra;
  }

  // The uninterrupted reference.
  std::vector<RunRecord> reference(const std::string& cfg) {
    const std::string file = (m_dir / "reference.h5").string();
    const Outcome o = run(cmd(cfg, file));
    EXPECT_EQ(o.rc, 0) << o.output;
    EXPECT_FALSE(fs::exists(file + ".ckpt")) << "a complete run leaves no checkpoint";
    return read_results(file);
  }
};

TEST_F(ResumeCli, KillNineMidRunThenResumeIsBitIdentical) {
  const std::string cfg = write_config("cfg.json", 600);
  const std::vector<RunRecord> ref = reference(cfg);
  ASSERT_EQ(ref.size(), 8u);

  const std::string file = (m_dir / "killed.h5").string();
  const fs::path ckpt = file + ".ckpt";
  {
    Child c(cmd(cfg, file, "--checkpoint-every-epochs 25"));
    ASSERT_GT(c.pid(), 0);
    // Kill once some runs are finished and another has a mid-run checkpoint.
    ASSERT_TRUE(wait_for([&] {
      return fs::exists(ckpt / "finished.ckpt") && has_job_checkpoint(ckpt);
    })) << "no checkpoint appeared";
    kill(c.pid(), SIGKILL);
    const Outcome o = c.wait();
    ASSERT_EQ(o.rc, 128 + SIGKILL) << "the run ended before the kill; make it longer\n" << o.output;
  }
  EXPECT_FALSE(fs::exists(file)) << "a killed run must not leave a complete-looking file";

  const Outcome o = run(cmd(cfg, file, "--resume --checkpoint-every-epochs 25"));
  ASSERT_EQ(o.rc, 0) << o.output;
  // Finished runs were taken over and a run continued from its saved epoch
  // (identical numbers alone would not show that anything was resumed).
  EXPECT_NE(o.output.find("runs finished)"), std::string::npos) << o.output;
  EXPECT_EQ(o.output.find("(0 of 8 runs finished)"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("continues after epoch"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(ckpt)) << "the checkpoint is removed once the results are complete";
  expect_identical(ref, read_results(file), "after kill -9 and --resume");
}

// Iris runs take milliseconds; a signal must land inside a job, not between
// two. With 20000 epochs the CMA-ES runs still stop early (tolfun), but the
// Adam and SGD runs take about 0.4 s each: the tests signal as soon as one starts.
// Long enough to be signalled mid-run. Under ASan (NEUROCMA_SANITIZE) every
// epoch costs several times more, and the uninterrupted reference runs hit
// the 300 s timeout; a tenth of the epochs is as long a run there.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kLongEpochs = 2000;
#else
constexpr int kLongEpochs = 20000;
#endif
constexpr const char* kLongJob = "start run 0 adam";
// How long after that line the signal goes: inside the job, past its start
// (a signal raced with the job's set-up and left no job state now and then
// when the tests ran in parallel).
constexpr std::chrono::milliseconds kIntoTheJob{50};

TEST_F(ResumeCli, SigtermAndSigusr1CheckpointExitThreeAndResumeBitIdentically) {
  const std::string cfg = write_config("cfg.json", kLongEpochs);
  const std::vector<RunRecord> ref = reference(cfg);
  const std::string file = (m_dir / "signalled.h5").string();
  const fs::path ckpt = file + ".ckpt";
  // No periodic checkpoints: whatever is saved comes from the signal.
  const std::string opts = "--checkpoint-every-epochs 0 --checkpoint-every-minutes 0";
  int round = 0;
  for (int sig : {SIGTERM, SIGUSR1}) {
    ++round;
    Child c(cmd(cfg, file, opts + (round > 1 ? " --resume" : "")));
    ASSERT_GT(c.pid(), 0);
    ASSERT_TRUE(c.wait_for_output(kLongJob)) << c.wait().output;
    std::this_thread::sleep_for(kIntoTheJob);
    kill(c.pid(), sig);
    const Outcome o = c.wait();
    ASSERT_EQ(o.rc, 3) << "signal " << sig << "\n" << o.output;
    if (round > 1) {
      EXPECT_NE(o.output.find("continues after epoch"), std::string::npos) << o.output;
    }
    EXPECT_NE(o.output.find("--resume"), std::string::npos) << o.output;
    EXPECT_TRUE(has_job_checkpoint(ckpt)) << "signal " << sig << " saved no job state";
    EXPECT_FALSE(fs::exists(file)) << o.output;
    EXPECT_FALSE(fs::exists(file + ".partial")) << o.output;
  }
  const Outcome o = run(cmd(cfg, file, opts + " --resume"));
  ASSERT_EQ(o.rc, 0) << o.output;
  EXPECT_NE(o.output.find("continues after epoch"), std::string::npos) << o.output;
  expect_identical(ref, read_results(file), "after SIGTERM, SIGUSR1 and two resumes");
}

TEST_F(ResumeCli, CheckpointOfAnotherConfigOrCorruptIsRefused) {
  const std::string cfg = write_config("cfg.json", kLongEpochs);
  const std::string file = (m_dir / "r.h5").string();
  const fs::path ckpt = file + ".ckpt";
  {
    Child c(cmd(cfg, file, "--checkpoint-every-epochs 0 --checkpoint-every-minutes 0"));
    ASSERT_TRUE(c.wait_for_output(kLongJob)) << c.wait().output;
    std::this_thread::sleep_for(kIntoTheJob);
    kill(c.pid(), SIGTERM);
    ASSERT_EQ(c.wait().rc, 3);
  }
  ASSERT_TRUE(has_job_checkpoint(ckpt));

  // The same result file, but Adam's learning rate differs.
  const std::string other = write_config("other.json", kLongEpochs, 0.02);
  Outcome o = run(cmd(other, file, "--resume"));
  EXPECT_EQ(o.rc, 2) << o.output;
  EXPECT_NE(o.output.find("another experiment"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("lr"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find(ckpt.string()), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(file));
  EXPECT_TRUE(has_job_checkpoint(ckpt)) << "a refused checkpoint must stay untouched";

  // A damaged job file.
  for (const auto& e : fs::directory_iterator(ckpt)) {
    if (e.path().filename().string().rfind("job-", 0) != 0) continue;
    // Flip every bit of the middle byte: writing a fixed value left the file
    // intact whenever that byte already had it.
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    const auto mid = static_cast<std::streamoff>(fs::file_size(e.path()) / 2);
    f.seekg(mid);
    const char b = static_cast<char>(f.get());
    f.seekp(mid);
    f.put(static_cast<char>(~b));
  }
  o = run(cmd(cfg, file, "--resume"));
  EXPECT_EQ(o.rc, 1) << o.output;
  EXPECT_NE(o.output.find("corrupt"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(file));

  // Without --resume the old checkpoint is replaced and the run completes.
  o = run(cmd(cfg, file));
  EXPECT_EQ(o.rc, 0) << o.output;
  EXPECT_NE(o.output.find("removing the old checkpoint"), std::string::npos) << o.output;
  EXPECT_TRUE(fs::exists(file));
}

TEST_F(ResumeCli, CheckpointsMoveBetweenSerialAndMpirun) {
  require_mpirun();
  if (IsSkipped()) return;
  const std::string cfg = write_config("cfg.json", kLongEpochs);
  const std::vector<RunRecord> ref = reference(cfg);
  const std::string opts = "--checkpoint-every-epochs 0 --checkpoint-every-minutes 0";
  // (interrupted under, resumed under): serial -> 2 ranks, 2 ranks -> serial.
  struct Leg {
    std::string first, second;
    int sig;
  };
  for (const Leg& leg : {Leg{"", "mpirun -n 2 ", SIGTERM}, Leg{"mpirun -n 2 ", "", SIGUSR1}}) {
    const std::string tag = leg.first.empty() ? "serial then mpirun" : "mpirun then serial";
    const std::string file = (m_dir / (leg.first.empty() ? "a.h5" : "b.h5")).string();
    std::string first_output;
    {
      Child c(leg.first + cmd(cfg, file, opts + " --ranks-per-run 2"));
      ASSERT_TRUE(c.wait_for_output(kLongJob)) << tag << "\n" << c.wait().output;
      std::this_thread::sleep_for(kIntoTheJob);
      kill(c.pid(), leg.sig);  // mpirun passes SIGUSR1 on to every rank
      const Outcome o = c.wait();
      ASSERT_EQ(o.rc, 3) << tag << "\n" << o.output;
      first_output = o.output;
    }
    ASSERT_TRUE(has_job_checkpoint(file + ".ckpt")) << tag << "\n" << first_output;
    const Outcome o = run(leg.second + cmd(cfg, file, opts + " --resume --ranks-per-run 2"));
    ASSERT_EQ(o.rc, 0) << tag << "\n" << o.output;
    EXPECT_NE(o.output.find("continues after epoch"), std::string::npos) << o.output;
    expect_identical(ref, read_results(file), tag);
  }
}

}  // namespace

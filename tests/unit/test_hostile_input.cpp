// Hostile input (issue 15): what a careless or unlucky user can do to
// `neurocma run` must end in one clear line and a non-zero exit before any
// training, and must never replace or delete a result.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_test.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/json_file.hpp"

namespace fs = std::filesystem;
using namespace neurocma;
using neurocma::testing_support::Child;
using neurocma::testing_support::CliTest;
using neurocma::testing_support::Outcome;
using neurocma::testing_support::run_shell;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int error_lines(const std::string& out) {
  std::istringstream lines(out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line))
    if (line.find("error") != std::string::npos) ++n;
  return n;
}

class Hostile : public CliTest {
 protected:
  void SetUp() override { prepare("neurocma", "neurocma_hostile_"); }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = m_dir / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  // A small Iris config; `epochs` large makes a run that lasts until killed.
  fs::path config(int epochs = 3, const std::string& name = "tiny") {
    return write(name + ".json", R"({"name": ")" + name + R"(",
      "dataset": {"name": "iris", "standardize": true, "split": "ratio"},
      "model": {"hidden": [4]}, "train": {"batch_size": 16, "max_epochs": )" +
                                     std::to_string(epochs) + R"(, "patience": 1000000},
      "optimizers": [{"name": "sgd", "type": "sgd", "lr": 0.1}], "runs": 1, "seed": 5})");
  }
  Outcome run(const std::string& args) { return run_shell(m_exe + " run " + args + " --quiet"); }
  // One line naming `needle`, the exit code `rc`.
  void expect_refusal(const Outcome& o, int rc, const std::string& needle) {
    EXPECT_EQ(o.rc, rc) << o.output;
    EXPECT_NE(o.output.find(needle), std::string::npos) << o.output;
    EXPECT_EQ(error_lines(o.output), 1) << o.output;
  }
};

}  // namespace

TEST_F(Hostile, ASecondRunDoesNotReplaceTheResultsWithoutOverwrite) {
  if (IsSkipped()) return;
  const fs::path cfg = config();
  const std::string out = (m_dir / "out").string();
  ASSERT_EQ(run(cfg.string() + " --out " + out).rc, 0);
  const fs::path results = m_dir / "out" / "tiny.h5";
  const std::string before = slurp(results);
  ASSERT_FALSE(before.empty());
  const auto mtime = fs::last_write_time(results);
  expect_refusal(run(cfg.string() + " --out " + out), 2, "--overwrite");
  EXPECT_EQ(slurp(results), before);
  EXPECT_EQ(fs::last_write_time(results), mtime);
  // A resume of the finished job has nothing to do, and says so.
  const Outcome again = run_shell(m_exe + " run " + cfg.string() + " --out " + out + " --resume");
  EXPECT_EQ(again.rc, 0) << again.output;
  EXPECT_NE(again.output.find("nothing to resume"), std::string::npos) << again.output;
  EXPECT_EQ(fs::last_write_time(results), mtime);
  // --overwrite replaces it; the lock file does not outlive the run.
  EXPECT_EQ(run(cfg.string() + " --out " + out + " --overwrite").rc, 0);
  EXPECT_FALSE(fs::exists(m_dir / "out" / "tiny.h5.lock"));
}

TEST_F(Hostile, ResultFileRefusesAConfigADirectoryAndAnOverlongName) {
  if (IsSkipped()) return;
  const fs::path cfg = config();
  const std::string text = slurp(cfg);
  // Not a results file: refused even with --overwrite.
  expect_refusal(run(cfg.string() + " --result-file " + cfg.string() + " --overwrite"), 2,
                 "not a neurocma results file");
  EXPECT_EQ(slurp(cfg), text);
  fs::create_directories(m_dir / "adir");
  expect_refusal(run(cfg.string() + " --result-file " + (m_dir / "adir").string()), 2,
                 "is a directory");
  // A name the file system cannot hold fails now, not at the first checkpoint.
  const std::string longname = std::string(250, 'r') + ".h5";
  expect_refusal(run(cfg.string() + " --result-file " + (m_dir / longname).string()), 2,
                 "this file system allows at most");
  for (const auto& e : fs::directory_iterator(m_dir))
    EXPECT_NE(e.path().extension(), ".h5") << e.path();
}

TEST_F(Hostile, ASecondRunOnTheSameOutputIsRefusedAndTheFirstKeepsItsCheckpoint) {
  if (IsSkipped()) return;
  const fs::path cfg = config(1000000);
  const std::string out = (m_dir / "out").string();
  Child first(m_exe + " run " + cfg.string() + " --out " + out +
              " --quiet --checkpoint-every-epochs 1");
  const fs::path lock = m_dir / "out" / "tiny.h5.lock";
  const fs::path ckpt = m_dir / "out" / "tiny.h5.ckpt";
  for (int i = 0; i < 300 && !(fs::exists(lock) && fs::exists(ckpt / "job-sgd-0.ckpt")); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(fs::exists(ckpt / "job-sgd-0.ckpt"));
  for (const char* extra : {"", " --overwrite"}) {
    expect_refusal(run(cfg.string() + " --out " + out + extra), 2,
                   "being written by another neurocma run");
    EXPECT_TRUE(fs::exists(ckpt / "job-sgd-0.ckpt")) << extra;
  }
}

TEST_F(Hostile, NamesAndFlagsAreCheckedBeforeTraining) {
  if (IsSkipped()) return;
  const fs::path cfg = config();
  expect_refusal(
      run(cfg.string() + " --optimizer sgd --optimizer sgd --out " + (m_dir / "o1").string()), 2,
      "given twice");
  EXPECT_FALSE(fs::exists(m_dir / "o1" / "tiny.h5.ckpt"));
  const fs::path long_cfg = config(3, std::string(101, 'n'));
  expect_refusal(run(long_cfg.string() + " --out " + (m_dir / "o2").string()), 2, "1 to 100");
}

TEST_F(Hostile, ConfigFilesThatAreNotJsonConfigs) {
  if (IsSkipped()) return;
  const std::string out = " --out " + (m_dir / "o").string();
  expect_refusal(run("/dev/zero" + out), 2, "not a regular file");
  expect_refusal(run(m_dir.string() + out), 2, "not a regular file");
  // 100,000 nested arrays: a clear refusal, not a stack overflow.
  const fs::path deep = write("deep.json", std::string(100000, '[') + std::string(100000, ']'));
  expect_refusal(run(deep.string() + out), 2, "nested deeper than");
  // A number beyond double range names the file and the key.
  std::string text = slurp(config());
  text.replace(text.find("0.1"), 3, "1e309");
  const fs::path huge = write("huge.json", text);
  const Outcome o = run(huge.string() + out);
  expect_refusal(o, 2, "huge.json");
  EXPECT_NE(o.output.find("optimizers[0].lr"), std::string::npos) << o.output;
  // A UTF-8 byte-order mark, as Windows editors write, is accepted.
  const fs::path bom = write("bom.json", "\xEF\xBB\xBF" + slurp(config()));
  EXPECT_EQ(run(bom.string() + out).rc, 0);
}

TEST(JsonFile, ErrorsNameTheLineColumnAndKey) {
  try {
    parse_json_text("{\"a\": {\"b\": [1,\n 2, -1e999]}}", "x.json");
    FAIL() << "accepted an overflowing number";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "x.json: line 2, column 5: a.b[2]: the number -1e999 is beyond the range of a "
                 "double (about 1.8e308)");
  }
  EXPECT_THROW(parse_json_text(std::string(kMaxJsonDepth + 1, '['), "d.json"), ConfigError);
  EXPECT_NO_THROW(
      parse_json_text(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']'), "d.json"));
  // Strings may hold brackets, quotes and things that look like numbers.
  const auto j = parse_json_text(R"({"s": "[[[\"1e999", "n": 1e-400})", "s.json");
  EXPECT_EQ(j["s"], "[[[\"1e999");
  EXPECT_THROW(parse_json_text("{\"a\": 1", "t.json"), ConfigError);
}

namespace {

// An IDX file of `dims` (big-endian sizes) and `payload`, gzip-compressed.
void write_idx(const fs::path& p, unsigned char type_dims, const std::vector<int>& dims,
               const std::string& payload) {
  std::string bytes = {0, 0, 0x08, static_cast<char>(type_dims)};
  for (int d : dims)
    for (int shift : {24, 16, 8, 0}) bytes += static_cast<char>((d >> shift) & 0xff);
  bytes += payload;
  gzFile gz = gzopen(p.c_str(), "wb");
  gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
}

}  // namespace

TEST_F(Hostile, SplitsTooSmallToMeasureAreRefusedNamingTheSplit) {
  if (IsSkipped()) return;
  const std::string out = " --out " + (m_dir / "o").string();
  std::string text = slurp(config());
  text.replace(text.find("\"split\": \"ratio\""), 16,
               R"("split": "ratio", "train_ratio": 0.98, "val_ratio": 0.01, "test_ratio": 0.01)");
  const Outcome ratios = run(write("ratios.json", text).string() + out);
  expect_refusal(ratios, 2, "split has");
  EXPECT_NE(ratios.output.find("expected at least 3"), std::string::npos) << ratios.output;
  // A three-row iris.csv: one sample of each class, nothing left for validation or test.
  fs::create_directories(m_dir / "data");
  write("data/iris.csv",
        "sepal_length,sepal_width,petal_length,petal_width,species\n"
        "5.1,3.5,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n6.3,3.3,6.0,2.5,2\n");
  const Outcome three = run(config().string() + " --data-dir " + (m_dir / "data").string() + out);
  expect_refusal(three, 2, "iris.csv: the validation split has 0 sample(s)");
  EXPECT_FALSE(fs::exists(m_dir / "o" / "tiny.h5"));
}

TEST_F(Hostile, ImageFilesOfTheWrongShapeOrEmptyAreBlamedOnTheFile) {
  if (IsSkipped()) return;
  const fs::path cfg = write("m.json", R"({"name": "m", "dataset": {"name": "mnist", "pool": 2},
    "optimizers": [{"name": "sgd", "type": "sgd", "lr": 0.1}], "runs": 1})");
  for (int side : {20, 28}) {
    const int n = side == 28 ? 0 : 12;  // 20 x 20 images, or no 28 x 28 images at all
    const fs::path data = m_dir / ("d" + std::to_string(side));
    fs::create_directories(data);
    for (const char* prefix : {"train", "t10k"}) {
      write_idx(data / (std::string(prefix) + "-images-idx3-ubyte.gz"), 3, {n, side, side},
                std::string(static_cast<size_t>(n * side * side), '\x10'));
      write_idx(data / (std::string(prefix) + "-labels-idx1-ubyte.gz"), 1, {n},
                std::string(static_cast<size_t>(n), '\x01'));
    }
    const Outcome o = run_shell(m_exe + " run " + cfg.string() + " --quiet --data-dir " +
                                data.string() + " --out " + (m_dir / "o").string());
    const std::string needle =
        side == 20 ? "images of 20 x 20 pixels; expected 28 x 28 for mnist" : "holds no images";
    expect_refusal(o, 1, needle);
    EXPECT_NE(o.output.find("train-images-idx3-ubyte.gz"), std::string::npos) << o.output;
  }
}

TEST_F(Hostile, AClosedTerminalStopsWithACheckpointAndAClosedPipeKillsNothing) {
  if (IsSkipped()) return;
  const fs::path cfg = config(1000000);
  const std::string out = (m_dir / "hup").string();
  Child run(m_exe + " run " + cfg.string() + " --out " + out + " --quiet");
  const fs::path lock = m_dir / "hup" / "tiny.h5.lock";
  for (int i = 0; i < 300 && !fs::exists(lock); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(fs::exists(lock));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // inside the training loop
  kill(run.pid(), SIGHUP);
  const Outcome hup = run.wait();
  EXPECT_EQ(hup.rc, 3) << hup.output;
  EXPECT_TRUE(fs::exists(m_dir / "hup" / "tiny.h5.ckpt" / "job-sgd-0.ckpt")) << hup.output;
  // The reader of the summary is gone before it is printed: the run still ends well.
  const Outcome pipe = run_shell("bash -o pipefail -c '" + m_exe + " run " + config().string() +
                                 " --out " + (m_dir / "pipe").string() + " | true'");
  EXPECT_EQ(pipe.rc, 0) << pipe.output;
  EXPECT_TRUE(fs::exists(m_dir / "pipe" / "tiny.h5"));
}

// jobs/common.sh passes SIGTERM to mpirun as SIGUSR1: mpirun forwards that to
// the ranks, which checkpoint, and exits with their 3 (a SIGTERM would make
// mpirun kill them after a second and exit 1).
TEST_F(Hostile, SigtermToAJobScriptEndsMpirunWithThreeAfterTheCheckpoints) {
  if (IsSkipped()) return;
  require_mpirun();
  if (IsSkipped()) return;
  const char* src = std::getenv("NEUROCMA_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  const fs::path cfg = config(1000000);
  const fs::path script = write("job.sh", "source " + std::string(src) +
                                              "/jobs/common.sh\n"
                                              "nc_run mpirun -n 2 " +
                                              m_exe + " run " + cfg.string() + " --out " +
                                              (m_dir / "mpi").string() + " --quiet\n");
  Child job("bash " + script.string());
  const fs::path lock = m_dir / "mpi" / "tiny.h5.lock";
  for (int i = 0; i < 600 && !fs::exists(lock); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(fs::exists(lock));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  kill(job.pid(), SIGTERM);
  const Outcome o = job.wait();
  EXPECT_EQ(o.rc, 3) << o.output;
  EXPECT_TRUE(fs::exists(m_dir / "mpi" / "tiny.h5.ckpt" / "job-sgd-0.ckpt")) << o.output;
}

// The disk fills while the results file is written: one clean error and exit
// 1, no crash in HDF5's clean-up, no results file, and the checkpoint of the
// finished runs is kept for --resume. Needs root to mount a small tmpfs.
TEST_F(Hostile, AFullDiskEndsWithExitOneAndKeepsTheCheckpoint) {
  if (IsSkipped()) return;
  const fs::path small = m_dir / "small";
  fs::create_directories(small);
  if (std::system(("mount -t tmpfs -o size=2m tmpfs " + small.string() + " 2>/dev/null").c_str()) !=
      0)
    GTEST_SKIP() << "cannot mount a tmpfs (not root?)";
  struct Unmount {
    std::string dir;
    ~Unmount() { (void)std::system(("umount " + dir).c_str()); }
  } unmount{small.string()};
  std::string text = slurp(config(300));
  text.replace(text.find("\"runs\": 1"), 9, "\"runs\": 40");
  const fs::path cfg = write("many.json", text);
  Child run(m_exe + " run " + cfg.string() + " --quiet --out " + (small / "o").string());
  const fs::path finished = small / "o" / "tiny.h5.ckpt" / "finished.ckpt";
  for (int i = 0; i < 600 && !fs::exists(finished); ++i)  // a run is done
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(finished));
  {
    std::ofstream fill(small / "fill", std::ios::binary);
    const std::string block(4096, '\0');
    while (fill.write(block.data(), block.size())) {
    }
  }
  const Outcome o = run.wait();
  EXPECT_EQ(o.rc, 1) << o.output;
  EXPECT_NE(o.output.find("No space left on device"), std::string::npos) << o.output;
  EXPECT_EQ(error_lines(o.output), 1) << o.output;
  EXPECT_FALSE(fs::exists(small / "o" / "tiny.h5"));
  EXPECT_FALSE(fs::exists(small / "o" / "tiny.h5.partial"));
  EXPECT_TRUE(fs::exists(small / "o" / "tiny.h5.ckpt" / "finished.ckpt")) << o.output;
}

// Sizes that cannot fit are refused at the config, naming the key and the
// estimate, not in a bare std::bad_alloc or the OOM killer. The limit is set
// through NEUROCMA_MEMORY_LIMIT so the test does not depend on the machine.
TEST_F(Hostile, HugeSizesAreRefusedNamingTheKeyAndTheEstimate) {
  if (IsSkipped()) return;
  const std::string base = slurp(config());
  auto variant = [&](const std::string& name, const std::string& from, const std::string& to) {
    std::string t = base;
    t.replace(t.find(from), from.size(), to);
    return write(name + ".json", t).string();
  };
  const std::string sgd = R"("type": "sgd", "lr": 0.1)";
  const struct {
    std::string file, key;
  } cases[] = {
      {variant("hidden", R"("hidden": [4])", R"("hidden": [2000000])"), "model.hidden"},
      {variant("popsize", sgd, R"("type": "cmaes", "popsize": 10000000)"), "optimizers[0].popsize"},
      {variant("lm", sgd, R"("type": "cmaes", "variant": "lm", "lm_memory": 100000000)"),
       "optimizers[0].lm_memory"},
  };
  for (const auto& c : cases) {
    const Outcome o = run_shell("env NEUROCMA_MEMORY_LIMIT=1G " + m_exe + " run " + c.file +
                                " --quiet --out " + (m_dir / "o").string());
    expect_refusal(o, 2, c.key + ": a run of \"sgd\" needs about");
    EXPECT_NE(o.output.find("1.00 GiB that NEUROCMA_MEMORY_LIMIT allows"), std::string::npos)
        << o.output;
  }
  std::string full = base;
  full.replace(full.find(sgd), sgd.size(), R"("type": "cmaes", "variant": "full")");
  full.replace(full.find(R"("hidden": [4])"), 13, R"("hidden": [2000])");
  const Outcome f = run_shell("env NEUROCMA_MEMORY_LIMIT=1G " + m_exe + " run " +
                              write("full.json", full).string() + " --quiet");
  expect_refusal(f, 2, "optimizers[0].variant");
  EXPECT_NE(f.output.find("full covariance"), std::string::npos) << f.output;
  // The same config fits a larger limit; a malformed limit is named.
  EXPECT_EQ(run_shell("env NEUROCMA_MEMORY_LIMIT=64G " + m_exe + " run " + config().string() +
                      " --quiet --out " + (m_dir / "fits").string())
                .rc,
            0);
  expect_refusal(run_shell("env NEUROCMA_MEMORY_LIMIT=lots " + m_exe + " run " + config().string() +
                           " --quiet"),
                 2, "NEUROCMA_MEMORY_LIMIT 'lots'");
  // Run counts are bounded too.
  expect_refusal(run(variant("runs", R"("runs": 1)", R"("runs": 2000000000)") + " --out " +
                     (m_dir / "o").string()),
                 2, "runs: expected an integer <= 1000000");
}

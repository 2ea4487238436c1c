// The worked example of docs/architecture.md: Gaussian random search, a
// strategy added through the PopulationOptimizer seam with its own files and
// one registry entry. Through the real CLI it trains on Iris (whole-model and
// per layer), gives the same results under mpirun -n 2, resumes from a
// checkpoint bit-identically and can be tuned; and nothing outside its own
// files, the registry, tests and docs names it.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_test.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/results.hpp"
#include "neurocma/optim/minimize.hpp"
#include "neurocma/optim/random_search.hpp"
#include "run_compare.hpp"

namespace fs = std::filesystem;
using namespace neurocma;
using testing_support::run_shell;

TEST(RandomSearch, KeepsTheBestCandidateAndResumesBitIdentically) {
  const TestFunction t = make_test_function("sphere", 6, 1);
  RandomSearchOptions o;
  o.popsize = 12;
  o.sigma0 = 0.5;
  RandomSearch a(t.x0, o, Rng(5)), b(t.x0, o, Rng(5));
  Matrix X(6, 12);
  Vector f(12);
  double last = 1e300;
  for (int g = 0; g < 40; ++g) {
    a.ask(X);
    for (Index j = 0; j < 12; ++j) f(j) = t.f(X.col(j));
    a.tell(f);
    EXPECT_LE(a.best_f(), last);  // never gets worse
    EXPECT_DOUBLE_EQ(t.f(a.best_x()), a.best_f());
    last = a.best_f();
    if (g == 19) b.set_state(a.state());
  }
  EXPECT_LT(a.best_f(), t.f(t.x0));
  // b continues from generation 20's state exactly as a did.
  for (int g = 20; g < 40; ++g) {
    b.ask(X);
    for (Index j = 0; j < 12; ++j) f(j) = t.f(X.col(j));
    b.tell(f);
  }
  EXPECT_EQ(a.best_x(), b.best_x());
  EXPECT_EQ(a.evals(), b.evals());
  EXPECT_THROW(RandomSearch(t.x0, RandomSearchOptions{0, 0.1}, Rng(1)), ConfigError);
}

namespace {

class RandomSearchCli : public testing_support::CliTest {
 protected:
  void SetUp() override { prepare("neurocma", "neurocma_random_search_"); }
  std::string config() {
    const std::string path = (m_dir / "rs.json").string();
    std::ofstream(path) << R"({"name": "rs", "dataset": {"name": "iris", "standardize": true},
      "model": {"hidden": [6], "activation": "tanh"},
      "train": {"batch_size": 32, "max_epochs": 150, "patience": 1000},
      "optimizers": [
        {"name": "rs", "type": "random_search", "popsize": 40, "sigma0": 0.15},
        {"name": "rs_layer", "type": "random_search", "blocks": "layer", "popsize": 13,
         "sigma0": 0.15}],
      "runs": 2, "seed": 4})";
    return path;
  }
};

}  // namespace

TEST_F(RandomSearchCli, TrainsUnderMpiResumesAndTunes) {
  const std::string cfg = config();
  const auto serial = run_shell(m_exe + " run " + cfg + " --quiet --out " + (m_dir / "a").string());
  ASSERT_EQ(serial.rc, 0) << serial.output;
  const std::vector<RunRecord> a = read_results((m_dir / "a/rs.h5").string());
  ASSERT_EQ(a.size(), 4u);
  for (const RunRecord& r : a) {
    EXPECT_EQ(r.optimizer_type, "random_search");
    EXPECT_GT(r.result.test_acc, 0.6) << r.optimizer << " run " << r.run_index;  // chance: 1/3
    EXPECT_GT(r.result.model_evals, 0);
  }

  // Two ranks: every rank draws its own candidates from the recipe.
  require_mpirun();
  const auto mpi = run_shell("mpirun -n 2 " + m_exe + " run " + cfg + " --quiet --out " +
                             (m_dir / "b").string() + " --ranks-per-run 2");
  ASSERT_EQ(mpi.rc, 0) << mpi.output;
  const std::vector<RunRecord> b = read_results((m_dir / "b/rs.h5").string());
  testing_support::expect_same_records(a, b, "mpirun -n 2");

  // Killed after its first job checkpoint, then resumed.
  const std::string out = (m_dir / "c").string();
  testing_support::Child child(m_exe + " run " + cfg + " --quiet --out " + out +
                               " --checkpoint-every-epochs 1");
  for (int i = 0; i < 2000 && !fs::exists(out + "/rs.h5.ckpt/job-rs-0.ckpt"); ++i) usleep(5000);
  kill(child.pid(), SIGKILL);
  child.wait();
  const auto resumed = run_shell(m_exe + " run " + cfg + " --resume --out " + out);
  ASSERT_EQ(resumed.rc, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("continues after epoch"), std::string::npos) << resumed.output;
  testing_support::expect_same_records(a, read_results(out + "/rs.h5"), "killed and resumed");

  // Tuned like any strategy: popsize and sigma0.
  const auto tune = run_shell(m_exe + " tune " + cfg + " --optimizer rs --trials 3 --quiet --out " +
                              (m_dir / "t").string());
  ASSERT_EQ(tune.rc, 0) << tune.output;
  std::ifstream tuned(m_dir / "t/rs.tuned.json");
  const nlohmann::json j = nlohmann::json::parse(tuned);
  EXPECT_TRUE(j["optimizers"][0].contains("popsize"));
  EXPECT_TRUE(j["optimizers"][0].contains("sigma0"));
}

// The seam's promise: adding a strategy touches only its own files, one
// registry entry, tests and docs. Nothing else in the tree names it.
TEST(RandomSearch, NothingOutsideItsOwnFilesAndTheRegistryNamesIt) {
  const fs::path root = std::getenv("NEUROCMA_SOURCE_DIR");
  const std::regex name("random_search|RandomSearch");
  const std::vector<std::string> allowed = {
      "include/neurocma/optim/random_search.hpp", "src/optim/random_search.cpp",
      "include/neurocma/app/specs/random_search_spec.hpp", "src/app/specs/random_search_spec.cpp",
      "include/neurocma/app/registry.hpp"};
  std::vector<std::string> found;
  for (const char* dir : {"src", "include", "analysis", "bench", "jobs", "scripts", "cmake"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      if (!std::regex_search(text.str(), name)) continue;
      const std::string rel = fs::relative(e.path(), root).string();
      if (std::find(allowed.begin(), allowed.end(), rel) == allowed.end()) found.push_back(rel);
    }
  }
  EXPECT_TRUE(found.empty()) << "named outside its files and the registry: " << found.front();
  // And the registry entry is its header include plus its place in the list.
  std::ifstream reg(root / "include/neurocma/app/registry.hpp");
  int lines = 0;
  for (std::string line; std::getline(reg, line);)
    if (std::regex_search(line, name)) ++lines;
  EXPECT_EQ(lines, 2);
}

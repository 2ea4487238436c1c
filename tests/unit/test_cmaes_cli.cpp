// End to end: `neurocma optimize` prints one JSON line with the documented keys.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

namespace {

struct Out {
  std::string text;
  int code = -1;
};

Out run(const std::string& args) {
  const char* bin = std::getenv("NEUROCMA_BIN_DIR");
  Out o;
  if (!bin) return o;
  const std::string cmd = std::string(bin) + "/neurocma optimize " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), p)) o.text += buf.data();
  const int st = pclose(p);
  o.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

}  // namespace

TEST(OptimizeCli, SphereReachesTargetAndPrintsJson) {
  if (!std::getenv("NEUROCMA_BIN_DIR")) GTEST_SKIP() << "NEUROCMA_BIN_DIR not set";
  const Out o = run("--function sphere --dim 10 --optimizer full --seed 3 --target 1e-8");
  ASSERT_EQ(o.code, 0) << o.text;
  ASSERT_EQ(std::count(o.text.begin(), o.text.end(), '\n'), 1) << o.text;
  const nlohmann::json j = nlohmann::json::parse(o.text);
  EXPECT_EQ(j.at("function"), "sphere");
  EXPECT_EQ(j.at("dim"), 10);
  EXPECT_EQ(j.at("optimizer"), "full");
  EXPECT_EQ(j.at("seed"), 3);
  EXPECT_TRUE(j.at("reached").get<bool>());
  EXPECT_LE(j.at("best_f").get<double>(), 1e-8);
  EXPECT_GT(j.at("evals").get<long long>(), 500);
  EXPECT_LT(j.at("evals").get<long long>(), 2500);
  // Same seed, same line (deterministic); the budget is honoured.
  EXPECT_EQ(run("--function sphere --dim 10 --optimizer full --seed 3 --target 1e-8").text, o.text);
  const Out capped = run("--function rosenbrock --dim 8 --optimizer sep --max-evals 300 --seed 1");
  ASSERT_EQ(capped.code, 0);
  const nlohmann::json c = nlohmann::json::parse(capped.text);
  EXPECT_FALSE(c.at("reached").get<bool>());
  EXPECT_LT(c.at("evals").get<long long>(), 300 + 20);
}

TEST(OptimizeCli, ThreadsDoNotChangeTheResult) {
  if (!std::getenv("NEUROCMA_BIN_DIR")) GTEST_SKIP() << "NEUROCMA_BIN_DIR not set";
  // n = 700: several row blocks in the MA-ES products, so the threads split real work.
  const std::string args =
      "--function rotated_ellipsoid --dim 700 --optimizer full --full-form matrix "
      "--max-evals 2000 --seed 2";
  const Out one = run(args + " --threads 1");
  ASSERT_EQ(one.code, 0) << one.text;
  EXPECT_EQ(run(args + " --threads 2").text, one.text);
  EXPECT_EQ(run(args + " --threads 3").text, one.text);
  EXPECT_EQ(run(args + " --threads 0").code, 2);
}

TEST(OptimizeCli, BadInputsExitWithUsageCode) {
  if (!std::getenv("NEUROCMA_BIN_DIR")) GTEST_SKIP() << "NEUROCMA_BIN_DIR not set";
  EXPECT_EQ(run("--function nosuch --dim 3").code, 2);
  EXPECT_EQ(run("--function sphere --dim 3 --optimizer diag").code, 2);
  EXPECT_EQ(run("--function sphere --dim 3 --sigma0 -1").code, 2);
  EXPECT_EQ(run("--function sphere --dim 3 --popsize 1").code, 2);
}

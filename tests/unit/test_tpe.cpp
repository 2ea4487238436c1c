// TPE and random samplers: behaviour on a cheap synthetic objective,
// determinism, the startup phase, failed/pending trials, integer ranges,
// the Parzen estimator's bandwidth rule and search-space validation.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "neurocma/app/config.hpp"
#include "neurocma/app/tune_space.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/tune/sampler.hpp"
#include "neurocma/tune/tpe.hpp"

namespace neurocma {
namespace {

// Two log-scaled parameters, optimum at lr = 10^-2.5, sigma0 = 10^-1
// (a smooth bowl in log space, like a learning-rate response).
SearchSpace bowl_space() {
  return {ParamSpec{"lr", 1e-5, 1.0, true, false}, ParamSpec{"sigma0", 1e-3, 10.0, true, false}};
}
double bowl(const std::vector<double>& x) {
  const double a = std::log10(x[0]) + 2.5, b = std::log10(x[1]) + 1.0;
  return a * a + b * b;
}

// Trials until bowl() <= threshold first happens (budget + 1 if never).
int trials_to_reach(const Sampler& sampler, std::uint64_t seed, double threshold, int budget) {
  const SearchSpace space = bowl_space();
  std::vector<TrialPoint> trials;
  for (int t = 0; t < budget; ++t) {
    Rng rng(seed, static_cast<std::uint64_t>(t), Stream::kTune);
    TrialPoint p;
    p.number = t;
    p.x = sampler.propose(space, trials, rng);
    p.value = bowl(p.x);
    p.state = TrialState::kOk;
    trials.push_back(p);
    if (p.value <= threshold) return t + 1;
  }
  return budget + 1;
}

TEST(Tpe, ReachesTheGoodRegionFasterThanRandom) {
  // Region bowl <= 0.05: area pi*0.05 of a 5 x 4 decade box, so a uniform
  // draw hits it with probability 0.0079 (about 127 trials expected).
  const TpeSampler tpe;
  const RandomSampler random;
  const int budget = 150, n_seeds = 10;
  double sum_tpe = 0, sum_random = 0;
  for (int s = 1; s <= n_seeds; ++s) {
    sum_tpe += trials_to_reach(tpe, static_cast<std::uint64_t>(s), 0.05, budget);
    sum_random += trials_to_reach(random, static_cast<std::uint64_t>(s), 0.05, budget);
  }
  const double mean_tpe = sum_tpe / n_seeds, mean_random = sum_random / n_seeds;
  RecordProperty("mean_trials_tpe", std::to_string(mean_tpe));
  RecordProperty("mean_trials_random", std::to_string(mean_random));
  // A working TPE needs well under half the trials of random search here.
  EXPECT_LT(mean_tpe, 0.5 * mean_random) << "tpe " << mean_tpe << " random " << mean_random;
}

TEST(Tpe, SameSeedAndHistoryGiveTheSameProposals) {
  const TpeSampler tpe;
  const SearchSpace space = bowl_space();
  std::vector<TrialPoint> a, b;
  for (int t = 0; t < 30; ++t) {
    Rng ra(42, static_cast<std::uint64_t>(t), Stream::kTune);
    Rng rb(42, static_cast<std::uint64_t>(t), Stream::kTune);
    TrialPoint pa{t, tpe.propose(space, a, ra), 0, TrialState::kOk};
    TrialPoint pb{t, tpe.propose(space, b, rb), 0, TrialState::kOk};
    pa.value = bowl(pa.x);
    pb.value = bowl(pb.x);
    ASSERT_EQ(pa.x, pb.x) << "trial " << t;
    a.push_back(pa);
    b.push_back(pb);
  }
  // A different seed gives a different sequence.
  Rng r1(42, 30, Stream::kTune), r2(43, 30, Stream::kTune);
  EXPECT_NE(tpe.propose(space, a, r1), tpe.propose(space, a, r2));
}

std::vector<TrialPoint> finished_history(int n, int failed) {
  std::vector<TrialPoint> h;
  Rng rng(5);
  const SearchSpace space = bowl_space();
  for (int t = 0; t < n; ++t) {
    TrialPoint p{t, sample_uniform(space, rng), 0, TrialState::kOk};
    p.value = bowl(p.x);
    if (t < failed) {
      p.state = TrialState::kFailed;
      p.value = std::nan("");
    }
    h.push_back(p);
  }
  return h;
}

TEST(Tpe, StartupTrialsAreRandom) {
  const TpeSampler tpe;
  const RandomSampler random;
  const SearchSpace space = bowl_space();
  // Nine finished trials (plus pending ones, which do not count): still random.
  std::vector<TrialPoint> h = finished_history(9, 0);
  h.push_back(TrialPoint{9, {0.1, 0.1}, 0, TrialState::kPending});
  for (std::uint64_t s = 0; s < 20; ++s) {
    Rng r1(s), r2(s);
    EXPECT_EQ(tpe.propose(space, h, r1), random.propose(space, h, r2));
  }
  // Ten finished trials (a failed one counts): TPE takes over.
  std::vector<TrialPoint> h10 = finished_history(10, 1);
  int differ = 0;
  for (std::uint64_t s = 0; s < 20; ++s) {
    Rng r1(s), r2(s);
    differ += tpe.propose(space, h10, r1) != random.propose(space, h10, r2);
  }
  EXPECT_EQ(differ, 20);
}

TEST(Tpe, RandomDrawsAreUniformInLogSpace) {
  const SearchSpace space = bowl_space();
  Rng rng(11);
  int low_half = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const std::vector<double> x = sample_uniform(space, rng);
    ASSERT_GE(x[0], 1e-5);
    ASSERT_LE(x[0], 1.0);
    low_half += x[0] < std::sqrt(1e-5);  // geometric midpoint
  }
  // Binomial(4000, 0.5): sd 31.6; 5 sd margin.
  EXPECT_NEAR(low_half, n / 2, 160);
}

TEST(Tpe, SplitPutsFailedAndPendingTrialsInTheBadSet) {
  // Failed trials are the worst: of 10 finished trials 8 failed around 1e-2;
  // the good set (gamma(10) = 1) is the best successful trial (2e-4), the
  // failed ones join g(x), so TPE is drawn to 2e-4 and away from 1e-2.
  const SearchSpace space = {ParamSpec{"lr", 1e-4, 1.0, true, false}};
  std::vector<TrialPoint> h;
  for (int t = 0; t < 8; ++t)
    h.push_back(TrialPoint{t, {1e-2 * std::pow(1.05, t)}, std::nan(""), TrialState::kFailed});
  h.push_back(TrialPoint{8, {2e-4}, 1.0, TrialState::kOk});
  h.push_back(TrialPoint{9, {0.5}, 2.0, TrialState::kOk});
  const TpeSampler tpe;
  int near_failed = 0, near_good = 0;
  for (std::uint64_t s = 0; s < 50; ++s) {
    Rng rng(s);
    const double x = tpe.propose(space, h, rng)[0];
    ASSERT_GE(x, 1e-4);
    ASSERT_LE(x, 1.0);
    near_failed += std::fabs(std::log10(x) + 2.0) < 0.3;
    near_good += std::fabs(std::log10(x) - std::log10(2e-4)) < 0.5;
  }
  EXPECT_EQ(near_failed, 0);
  EXPECT_GT(near_good, 40);

  // Pending trials are bad too (constant liar) and are never proposed again.
  std::vector<TrialPoint> all_failed;
  for (int t = 0; t < 12; ++t)
    all_failed.push_back(
        TrialPoint{t, {std::pow(10.0, -4 + t / 3.0)}, std::nan(""), TrialState::kFailed});
  Rng rng(3);
  const double x = tpe.propose(space, all_failed, rng)[0];  // no good set: prior only
  EXPECT_GE(x, 1e-4);
  EXPECT_LE(x, 1.0);
}

TEST(Tpe, NoDuplicateOfARecordedOrPendingPoint) {
  // Integer space with 3 values and two taken: the free one must come out.
  const SearchSpace space = {ParamSpec{"popsize", 2, 4, false, true}};
  const std::vector<TrialPoint> h = {TrialPoint{0, {2}, 1.0, TrialState::kOk},
                                     TrialPoint{1, {3}, 0.0, TrialState::kPending}};
  const RandomSampler random;
  for (std::uint64_t s = 0; s < 20; ++s) {
    Rng rng(s);
    EXPECT_EQ(random.propose(space, h, rng)[0], 4.0);
  }
}

TEST(Tpe, IntegerParametersAreRoundedAndInRange) {
  const TpeSampler tpe;
  for (const ParamSpec& p :
       {ParamSpec{"popsize", 4, 256, true, true}, ParamSpec{"popsize", 2, 50, false, true},
        ParamSpec{"popsize", 2, 5, false, true}}) {
    const SearchSpace space = {p};
    std::vector<TrialPoint> h;
    std::map<double, int> counts;
    for (int t = 0; t < 60; ++t) {
      Rng rng(9, static_cast<std::uint64_t>(t), Stream::kTune);
      TrialPoint q{t, tpe.propose(space, h, rng), 0, TrialState::kOk};
      ASSERT_EQ(q.x[0], std::round(q.x[0]));
      ASSERT_GE(q.x[0], p.low);
      ASSERT_LE(q.x[0], p.high);
      q.value = std::fabs(q.x[0] - 20.0);
      ++counts[q.x[0]];
      h.push_back(q);
    }
  }
  // Uniform startup over 2..5: each integer (ends included) about 1/4.
  const SearchSpace small = {ParamSpec{"popsize", 2, 5, false, true}};
  std::map<double, int> counts;
  Rng rng(1);
  for (int i = 0; i < 4000; ++i) ++counts[sample_uniform(small, rng)[0]];
  ASSERT_EQ(counts.size(), 4u);
  for (const auto& [v, c] : counts) EXPECT_NEAR(c, 1000, 130) << "value " << v;
  // Log-scale integers: 4..256 in log space, ends reachable.
  const SearchSpace logint = {ParamSpec{"popsize", 4, 256, true, true}};
  std::set<double> seen;
  for (int i = 0; i < 4000; ++i) seen.insert(sample_uniform(logint, rng)[0]);
  EXPECT_TRUE(seen.count(4.0));
  EXPECT_TRUE(seen.count(256.0));
}

TEST(Tpe, GammaAndWeightsFollowOptunaDefaults) {
  EXPECT_EQ(tpe_gamma(1), 1);
  EXPECT_EQ(tpe_gamma(10), 1);
  EXPECT_EQ(tpe_gamma(11), 2);
  EXPECT_EQ(tpe_gamma(100), 10);
  EXPECT_EQ(tpe_gamma(1000), 25);
  EXPECT_TRUE(tpe_weights(0).empty());
  EXPECT_EQ(tpe_weights(24), std::vector<double>(24, 1.0));
  const std::vector<double> w = tpe_weights(30);  // ramp of 5 from 1/30 to 1, then 25 ones
  ASSERT_EQ(w.size(), 30u);
  EXPECT_DOUBLE_EQ(w[0], 1.0 / 30);
  EXPECT_DOUBLE_EQ(w[2], 1.0 / 30 + 2 * (1 - 1.0 / 30) / 4);
  EXPECT_DOUBLE_EQ(w[4], 1.0);
  EXPECT_DOUBLE_EQ(w[29], 1.0);
}

TEST(Tpe, ParzenBandwidthsByHand) {
  // mus 0.1, 0.3, 0.9 on [0, 1], prior at 0.5. Sorted with ends:
  // 0 | 0.1 0.3 0.5 0.9 | 1. Inner kernels take the larger gap (0.3: 0.2);
  // the outermost ones their inner gap (0.1: 0.2, 0.9: 0.4); magic clip
  // bounds [1/min(100, 3+2), 1] = [0.2, 1]; the prior has sigma = range = 1.
  const ParzenEstimator pe({0.1, 0.3, 0.9}, 0.0, 1.0, false, TpeOptions());
  ASSERT_EQ(pe.sigmas().size(), 4u);
  EXPECT_DOUBLE_EQ(pe.sigmas()[0], 0.2);
  EXPECT_DOUBLE_EQ(pe.sigmas()[1], 0.2);
  EXPECT_DOUBLE_EQ(pe.sigmas()[2], 0.4);
  EXPECT_DOUBLE_EQ(pe.sigmas()[3], 1.0);
  EXPECT_DOUBLE_EQ(pe.mus()[3], 0.5);
  for (double w : pe.weights()) EXPECT_DOUBLE_EQ(w, 0.25);

  // The truncated mixture integrates to 1 (midpoint rule).
  double integral = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) integral += std::exp(pe.log_pdf((i + 0.5) / n)) / n;
  EXPECT_NEAR(integral, 1.0, 1e-6);

  // Discrete: bin masses over the grid 2..5 (internal range [1.5, 5.5]) sum to 1.
  const ParzenEstimator pd({2, 2, 5}, 1.5, 5.5, true, TpeOptions());
  double mass = 0;
  for (int k = 2; k <= 5; ++k) mass += std::exp(pd.log_pdf(k));
  EXPECT_NEAR(mass, 1.0, 1e-12);
  Rng rng(2);
  for (int i = 0; i < 200; ++i) {
    const double x = pd.sample(rng);
    EXPECT_EQ(x, std::round(x));
    EXPECT_GE(x, 2);
    EXPECT_LE(x, 5);
  }
}

// --- search spaces from a config

ExperimentConfig config_with_search(const nlohmann::json& search) {
  nlohmann::json j = {{"name", "t"},
                      {"dataset", {{"name", "iris"}}},
                      {"optimizers",
                       {{{"name", "adam"}, {"type", "adam"}},
                        {{"name", "es"}, {"type", "cmaes"}, {"variant", "sep"}}}}};
  if (!search.is_null()) j["search"] = search;
  return parse_config(j, "cfg.json");
}

void expect_config_error(const nlohmann::json& search, const std::string& key) {
  try {
    validate_search(config_with_search(search));
    FAIL() << "no error for " << search.dump();
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cfg.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
  }
}

TEST(SearchSpace, DefaultsAndOverrides) {
  const ExperimentConfig cfg =
      config_with_search({{"adam", {{"lr", {{"low", 1e-3}, {"high", 0.5}}}}},
                          {"cmaes", {{"popsize", {{"low", 8}, {"high", 64}, {"log", false}}}}}});
  validate_search(cfg);
  const SearchSpace adam = search_space_for(cfg, cfg.optimizers[0]);
  ASSERT_EQ(adam.size(), 1u);
  EXPECT_EQ(adam[0].low, 1e-3);
  EXPECT_EQ(adam[0].high, 0.5);
  EXPECT_TRUE(adam[0].log);                                         // kept from the default
  const SearchSpace es = search_space_for(cfg, cfg.optimizers[1]);  // by type
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].name, "popsize");
  EXPECT_EQ(es[0].low, 8);
  EXPECT_FALSE(es[0].log);
  EXPECT_TRUE(es[0].integer);
  EXPECT_EQ(es[1].name, "sigma0");
  EXPECT_EQ(es[1].low, 1e-3);
  EXPECT_EQ(es[1].high, 1.0);
  // The defaults cover the study's ranges except lr/sigma0 near 0 and above 1.
  // (The registry holds them: io/specs.)
  EXPECT_EQ(optimizer_entry("cmaes").tunables[0].native.low, 4);
  EXPECT_EQ(optimizer_entry("cmaes").tunables[0].study.high, 50);
  EXPECT_EQ(optimizer_entry("adam").tunables[0].study.high, 30);
  EXPECT_EQ(optimizer_entry("cmaes").tunables[1].study.high, 20);
}

TEST(SearchSpace, BadSpacesAreConfigErrors) {
  expect_config_error({{"adam", {{"lr", {{"low", 0.5}, {"high", 0.1}}}}}}, "search.adam.lr.low");
  expect_config_error({{"adam", {{"lr", {{"low", 0.0}, {"high", 0.1}, {"log", true}}}}}},
                      "search.adam.lr.low");
  expect_config_error({{"adam", {{"momentum", {{"low", 0.1}, {"high", 0.9}}}}}},
                      "search.adam.momentum");
  expect_config_error({{"adam", {{"lr", {{"low", 0.1}, {"high", 0.9}, {"step", 2}}}}}},
                      "search.adam.lr.step");
  expect_config_error({{"es", {{"popsize", {{"low", 1}, {"high", 9}}}}}}, "search.es.popsize.low");
  expect_config_error({{"es", {{"popsize", {{"low", 4.5}, {"high", 9}}}}}},
                      "search.es.popsize.low");
  expect_config_error({{"es", {{"sigma0", {{"low", 0.1}, {"high", 1}, {"int", true}}}}}},
                      "search.es.sigma0.int");
  expect_config_error({{"rmsprop", {{"lr", {{"low", 0.1}, {"high", 1}}}}}}, "search.rmsprop");
  expect_config_error({{"adam", {{"lr", {{"low", "a"}, {"high", 1}}}}}}, "search.adam.lr.low");
}

}  // namespace
}  // namespace neurocma

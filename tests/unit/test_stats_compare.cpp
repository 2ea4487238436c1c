// Summary statistics, Holm correction, A12 and best-group selection.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "neurocma/core/error.hpp"
#include "neurocma/stats/compare.hpp"
#include "neurocma/stats/effect_size.hpp"
#include "neurocma/stats/holm.hpp"
#include "neurocma/stats/summary.hpp"

namespace {

using namespace neurocma;

TEST(Summary, MeanStdMedian) {
  // Hand-computed: mean 5, squared deviations 9+1+1+9 = 20, var = 20/3.
  const Summary s = summarize({2.0, 4.0, 6.0, 8.0});
  EXPECT_EQ(s.n, 4u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(20.0 / 3.0));
  EXPECT_DOUBLE_EQ(s.median, 5.0);
  EXPECT_DOUBLE_EQ(summarize({3.0, 1.0, 10.0}).median, 3.0);
}

TEST(Summary, SmallSamples) {
  const Summary one = summarize({1.5});
  EXPECT_DOUBLE_EQ(one.mean, 1.5);
  EXPECT_TRUE(std::isnan(one.std));
  const Summary none = summarize({});
  EXPECT_EQ(none.n, 0u);
  EXPECT_TRUE(std::isnan(none.mean));
}

TEST(Holm, HandComputedExample) {
  // Sorted p: 0.01 (x4) 0.02 (x3) 0.03 (x2) 0.04 (x1) -> 0.04, 0.06, 0.06, 0.06
  // (monotone: 0.03*2 = 0.06 equals the previous max, 0.04 < 0.06 keeps 0.06).
  const std::vector<double> adj = holm_adjust({0.03, 0.01, 0.04, 0.02});
  ASSERT_EQ(adj.size(), 4u);
  EXPECT_DOUBLE_EQ(adj[0], 0.06);
  EXPECT_DOUBLE_EQ(adj[1], 0.04);
  EXPECT_DOUBLE_EQ(adj[2], 0.06);
  EXPECT_DOUBLE_EQ(adj[3], 0.06);
}

TEST(Holm, CapsAtOneAndSkipsNaN) {
  const std::vector<double> adj = holm_adjust({0.5, std::nan(""), 0.001});
  EXPECT_DOUBLE_EQ(adj[2], 0.002);  // m = 2 finite p-values
  EXPECT_DOUBLE_EQ(adj[0], 0.5);    // max(0.002, 1 * 0.5)
  EXPECT_TRUE(std::isnan(adj[1]));
  EXPECT_DOUBLE_EQ(holm_adjust({0.6, 0.7})[0], 1.0);
}

TEST(A12, DefinitionByHand) {
  // x = {3, 5}, y = {1, 2, 4}: x wins 3>1, 3>2, 5>1, 5>2, 5>4 = 5 of 6 pairs.
  EXPECT_DOUBLE_EQ(vargha_delaney_a12({3.0, 5.0}, {1.0, 2.0, 4.0}), 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(vargha_delaney_a12({1.0, 1.0}, {1.0}), 0.5);
  EXPECT_DOUBLE_EQ(vargha_delaney_a12({0.0}, {1.0}), 0.0);
}

std::vector<double> shifted(double base, int n, double step) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(base + step * i);
  return v;
}

TEST(Compare, BestGroupLowerIsBetter) {
  // Group 0 clearly worst, groups 1 and 2 overlap, group 1 has the lowest mean.
  const std::vector<std::vector<double>> s{shifted(10.0, 10, 0.1), shifted(1.0, 10, 0.1),
                                           shifted(1.05, 10, 0.1)};
  CompareOptions opt;
  const GroupComparison c = compare_groups(s, Better::kLower, opt);
  EXPECT_EQ(c.best, 1);
  EXPECT_FALSE(c.is_best[0]);
  EXPECT_TRUE(c.is_best[1]);
  EXPECT_TRUE(c.is_best[2]);
  EXPECT_EQ(c.better_alternative, Alternative::kLess);
  EXPECT_TRUE(std::isnan(c.p_two_sided(1, 1)));
  EXPECT_DOUBLE_EQ(c.p_two_sided(0, 1), c.p_two_sided(1, 0));
  EXPECT_LT(c.p_better(1, 0), 0.01);  // row 1 lower than column 0
  EXPECT_GT(c.p_better(0, 1), 0.99);
  EXPECT_DOUBLE_EQ(c.a12(0, 1), 1.0);  // every value of 0 exceeds every value of 1
  EXPECT_DOUBLE_EQ(c.u(0, 1), 100.0);
}

TEST(Compare, BestGroupHigherIsBetterAndAlphaMatters) {
  // Group 1 slightly better than group 0: significant at 0.05 but not at 1e-6.
  const std::vector<std::vector<double>> s{shifted(0.80, 12, 0.001), shifted(0.81, 12, 0.001)};
  CompareOptions opt;
  opt.alpha = 0.05;
  GroupComparison c = compare_groups(s, Better::kHigher, opt);
  EXPECT_EQ(c.best, 1);
  EXPECT_EQ(c.better_alternative, Alternative::kGreater);
  EXPECT_LT(c.p_two_sided(0, 1), 0.05);
  EXPECT_FALSE(c.is_best[0]);
  opt.alpha = 1e-6;
  c = compare_groups(s, Better::kHigher, opt);
  EXPECT_TRUE(c.is_best[0]);
  EXPECT_TRUE(c.is_best[1]);
}

TEST(Compare, HolmCanTurnSignificanceOff) {
  // Best group a vs b: raw two-sided p between alpha/2 and alpha. Groups c and d
  // are far from a and b but close to each other, so of the 6 pairs four have
  // tiny p-values, (a, b) is 5th in order and Holm multiplies it by 2.
  const std::vector<double> a{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  std::vector<double> b, c, d;
  for (double v : a) {
    b.push_back(v + 3.5);
    c.push_back(v + 100);
    d.push_back(v + 100.5);
  }
  const std::vector<std::vector<double>> s{a, b, c, d};
  CompareOptions opt;
  GroupComparison cmp = compare_groups(s, Better::kLower, opt);
  const double p01 = cmp.p_two_sided(0, 1);
  ASSERT_LT(p01, 0.05);
  ASSERT_GT(p01 * 2, 0.05);
  EXPECT_FALSE(cmp.is_best[1]);
  opt.correction = Correction::kHolm;
  cmp = compare_groups(s, Better::kLower, opt);
  EXPECT_DOUBLE_EQ(cmp.p_two_sided_adj(0, 1), 2 * p01);
  EXPECT_DOUBLE_EQ(cmp.p_two_sided_adj(1, 0), 2 * p01);
  EXPECT_DOUBLE_EQ(cmp.p_two_sided(0, 1), p01);  // raw values kept
  EXPECT_TRUE(cmp.is_best[1]);
  EXPECT_FALSE(cmp.is_best[2]);
  // One-sided grid: Holm over the 12 ordered pairs; the largest p stays <= 1.
  EXPECT_GE(cmp.p_better_adj(0, 1), cmp.p_better(0, 1));
  for (Index i = 0; i < 4; ++i)
    for (Index j = 0; j < 4; ++j)
      if (i != j) {
        EXPECT_LE(cmp.p_better_adj(i, j), 1.0);
      }
}

TEST(Compare, SmallGroupsAreNotTested) {
  const std::vector<std::vector<double>> s{{0.5}, {0.9, 0.8, 0.85}, {}};
  const GroupComparison c = compare_groups(s, Better::kHigher, CompareOptions{});
  EXPECT_FALSE(c.tested[0]);
  EXPECT_FALSE(c.tested[2]);
  EXPECT_TRUE(std::isnan(c.p_two_sided(0, 1)));
  EXPECT_EQ(c.best, 1);  // group 0 has no tests, so it is never best
  EXPECT_FALSE(c.is_best[0]);
  EXPECT_TRUE(c.is_best[1]);
}

TEST(Compare, ParseCorrection) {
  EXPECT_EQ(parse_correction("holm"), Correction::kHolm);
  EXPECT_EQ(parse_correction("none"), Correction::kNone);
  EXPECT_THROW(parse_correction("bonferroni"), ConfigError);
}

}  // namespace

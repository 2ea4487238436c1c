// SGD and Adam against hand-computed steps and against torch.optim
// trajectories (tests/data/optim_ref.json from tests/scripts/gen_optim_ref.py).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "neurocma/optim/gradient.hpp"

using namespace neurocma;

TEST(Sgd, PlainStepByHand) {
  Sgd sgd({0.1});
  Vector p(2), g(2);
  p << 1.0, -2.0;
  g << 0.5, -1.0;
  sgd.step(p, g);
  EXPECT_DOUBLE_EQ(p(0), 1.0 - 0.05);
  EXPECT_DOUBLE_EQ(p(1), -2.0 + 0.1);
}

TEST(Sgd, MomentumBufferStartsAtFirstGradient) {
  SgdOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  Sgd sgd(o);
  Vector p = Vector::Constant(1, 1.0), g = Vector::Constant(1, 1.0);
  sgd.step(p, g);  // b = 1 -> p = 0.9
  EXPECT_DOUBLE_EQ(p(0), 0.9);
  sgd.step(p, g);  // b = 0.9 + 1 = 1.9 -> p = 0.9 - 0.19
  EXPECT_DOUBLE_EQ(p(0), 0.9 - 0.1 * 1.9);
}

TEST(Adam, FirstTwoStepsByHand) {
  AdamOptions o;
  o.lr = 0.1;
  Adam adam(o);
  Vector p = Vector::Constant(1, 1.0), g = Vector::Constant(1, 0.5);
  adam.step(p, g);
  // m = 0.05, v = 0.00025; m_hat = 0.5, sqrt(v_hat) = 0.5: p = 1 - 0.1*0.5/(0.5+1e-8)
  EXPECT_NEAR(p(0), 1.0 - 0.1 * 0.5 / (0.5 + 1e-8), 1e-15);
  const double p1 = p(0);
  g(0) = -1.0;
  adam.step(p, g);
  // m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975
  // bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999
  const double expected =
      p1 + 0.1 / 0.19 * 0.055 / (std::sqrt(0.00124975) / std::sqrt(0.001999) + 1e-8);
  EXPECT_NEAR(p(0), expected, 1e-14);
}

TEST(Optim, MatchesTorchTrajectories) {
  const char* src = std::getenv("NEUROCMA_SOURCE_DIR");
  const std::string path = std::string(src ? src : ".") + "/tests/data/optim_ref.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const nlohmann::json ref = nlohmann::json::parse(in);
  ASSERT_GE(ref["cases"].size(), 5u);
  for (const auto& c : ref["cases"]) {
    const auto& o = c["options"];
    std::unique_ptr<GradientOptimizer> opt;
    if (c["type"] == "sgd") {
      SgdOptions so;
      so.lr = o["lr"];
      so.momentum = o.value("momentum", 0.0);
      so.dampening = o.value("dampening", 0.0);
      so.weight_decay = o.value("weight_decay", 0.0);
      so.nesterov = o.value("nesterov", false);
      opt = std::make_unique<Sgd>(so);
    } else {
      AdamOptions ao;
      ao.lr = o["lr"];
      ao.beta1 = o.value("beta1", 0.9);
      ao.beta2 = o.value("beta2", 0.999);
      ao.eps = o.value("eps", 1e-8);
      ao.weight_decay = o.value("weight_decay", 0.0);
      opt = std::make_unique<Adam>(ao);
    }
    const std::vector<double> p0 = c["p0"];
    Vector p = Eigen::Map<const Vector>(p0.data(), static_cast<Index>(p0.size()));
    for (size_t s = 0; s < c["grads"].size(); ++s) {
      const std::vector<double> g = c["grads"][s];
      opt->step(p, Eigen::Map<const Vector>(g.data(), static_cast<Index>(g.size())));
      const std::vector<double> want = c["trajectory"][s];
      for (size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(p(static_cast<Index>(i)), want[i], 1e-14)
            << c["type"] << " " << o.dump() << " step " << s << " coord " << i;
    }
  }
}

TEST(Optim, StateRoundTripContinuesIdentically) {
  AdamOptions ao;
  ao.lr = 0.01;
  Adam a(ao), b(ao);
  Vector p = Vector::LinSpaced(5, -1, 1), g = Vector::LinSpaced(5, 2, -3);
  a.step(p, g);
  b.set_state(a.state());
  Vector pa = p, pb = p;
  a.step(pa, g);
  b.step(pb, g);
  EXPECT_EQ(pa, pb);
}

// The earlier study's semantics (docs/study.md): its loss, gradients and
// optimizer steps against PyTorch (tests/data/study_ref.json, made by
// tests/scripts/gen_study_ref.py), its config mapping, the layerwise quirk,
// the study's evaluation counter, and each of its eight setups run briefly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "neurocma/app/config.hpp"
#include "neurocma/app/experiment.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/data/iris.hpp"
#include "neurocma/data/transform.hpp"
#include "neurocma/io/data_loader.hpp"
#include "neurocma/model/loss.hpp"
#include "neurocma/optim/gradient.hpp"
#include "neurocma/train/population_method.hpp"
#include "neurocma/train/trainer.hpp"

using namespace neurocma;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

fs::path source_dir() {
  return std::getenv("NEUROCMA_SOURCE_DIR");
}

const json& reference() {
  static const json ref = [] {
    std::ifstream in(source_dir() / "tests/data/study_ref.json");
    if (!in) throw std::runtime_error("tests/data/study_ref.json missing");
    return json::parse(in);
  }();
  return ref;
}

Vector formula_params(Index n, double scale) {
  Vector p(n);
  for (Index i = 0; i < n; ++i) p(i) = scale * 0.5 * std::sin(0.37 * static_cast<double>(i) + 0.1);
  return p;
}

// The inputs gen_study_ref.py defines (features x samples).
void reference_batch(const std::string& name, Matrix& X, std::vector<int>& y) {
  if (name == "iris") {
    std::ifstream in(source_dir() / "data/iris.csv");
    std::stringstream text;
    text << in.rdbuf();
    Dataset all = parse_iris_csv(text.str(), "data/iris.csv");
    Standardizer::fit(all.X).apply(all.X);
    std::vector<Index> rows;
    for (Index i = 0; i < all.size(); i += 4) rows.push_back(i);
    const Dataset d = all.subset(rows);
    X = d.X;
    y = d.y;
    return;
  }
  X.resize(196, 32);
  y.resize(32);
  for (Index s = 0; s < 32; ++s) {
    for (Index f = 0; f < 196; ++f) X(f, s) = static_cast<double>((31 * s + 17 * f) % 97) / 96.0;
    y[static_cast<size_t>(s)] = static_cast<int>(s % 10);
  }
}

// Indices gen_study_ref.py kept of an n-vector.
std::vector<Index> kept(Index n, int keep) {
  std::vector<Index> idx;
  for (Index i = 0; i < n; ++i)
    if (keep == 1 || i % keep == 0 || i >= n - 110) idx.push_back(i);
  return idx;
}

void expect_close(const Vector& got, const std::vector<Index>& idx, const json& want, double tol,
                  const std::string& what) {
  ASSERT_EQ(idx.size(), want.size()) << what;
  double worst = 0.0;
  for (size_t k = 0; k < idx.size(); ++k) {
    const double w = want[k].get<double>();
    worst = std::max(worst, std::fabs(got(idx[k]) - w) / std::max(1.0, std::fabs(w)));
  }
  EXPECT_LE(worst, tol) << what;
}

Mlp study_mlp(const json& c) {
  MlpSpec spec;
  spec.input = c["shape"][0].get<Index>();
  spec.hidden = {c["shape"][1].get<Index>()};
  spec.output = c["shape"][2].get<Index>();
  spec.activation = Activation::kSigmoid;
  spec.output_kind = Output::kSoftmax;
  return Mlp(spec);
}

}  // namespace

TEST(StudyLoss, MatchesTorchLossAccuracyAndGradient) {
  for (const json& c : reference()["cases"]) {
    const std::string what = c["name"].get<std::string>() + " scale " + c["scale"].dump();
    const Mlp mlp = study_mlp(c);
    Matrix X;
    std::vector<int> y;
    reference_batch(c["name"], X, y);
    const Vector p = formula_params(mlp.num_params(), c["scale"]);

    Matrix out;
    mlp.forward(p, X, out);
    const LossAcc la = cross_entropy(out, y, Output::kSoftmax);
    EXPECT_NEAR(la.loss, c["loss"].get<double>(), 1e-12) << what;
    EXPECT_DOUBLE_EQ(la.accuracy, c["accuracy"].get<double>()) << what;
    // The correct loss on the same logits is a different number.
    EXPECT_GT(std::fabs(cross_entropy(out, y).loss - la.loss), 1e-3) << what;

    // The float32 batched evaluator (CMA-ES fitness) and the double reference.
    Vector fit(1), ref_fit(1);
    BatchedMlpEvaluator fast(mlp);
    fast.evaluate(p, X, y, fit);
    reference_population_fitness(mlp, p, X, y, ref_fit);
    EXPECT_NEAR(fit(0), c["loss32"].get<double>(), 2e-6) << what;
    EXPECT_NEAR(ref_fit(0), c["loss"].get<double>(), 1e-12) << what;

    Vector grad;
    EXPECT_NEAR(mlp.loss_and_gradient(p, X, y, grad), c["loss"].get<double>(), 1e-12) << what;
    const std::vector<Index> idx = kept(mlp.num_params(), c["keep"]);
    expect_close(grad, idx, c["grad"], 1e-12, what + " gradient");
  }
}

TEST(StudyLoss, SgdAndAdamStepsMatchTorch) {
  for (const json& c : reference()["cases"]) {
    const std::string what = c["name"].get<std::string>() + " scale " + c["scale"].dump();
    const Mlp mlp = study_mlp(c);
    Matrix X;
    std::vector<int> y;
    reference_batch(c["name"], X, y);
    const std::vector<Index> idx = kept(mlp.num_params(), c["keep"]);
    Vector grad;
    {
      Vector p = formula_params(mlp.num_params(), c["scale"]);
      SgdOptions o;
      o.lr = c["sgd_lr"];
      Sgd sgd(o);
      mlp.loss_and_gradient(p, X, y, grad);
      sgd.step(p, grad);
      expect_close(p, idx, c["sgd_after"], 1e-12, what + " SGD");
    }
    {
      Vector p = formula_params(mlp.num_params(), c["scale"]);
      AdamOptions o;
      o.lr = c["adam_lr"];
      Adam adam(o);
      for (int s = 0; s < c["adam_steps"].get<int>(); ++s) {
        mlp.loss_and_gradient(p, X, y, grad);
        adam.step(p, grad);
      }
      expect_close(p, idx, c["adam_after"], 1e-10, what + " Adam");
    }
  }
}

TEST(StudyLoss, LowerBoundMatchesTorch) {
  EXPECT_NEAR(loss_lower_bound(Output::kSoftmax, 3), reference()["lower_bound"]["3"], 1e-14);
  EXPECT_NEAR(loss_lower_bound(Output::kSoftmax, 10), reference()["lower_bound"]["10"], 1e-14);
  EXPECT_EQ(loss_lower_bound(Output::kLogits, 10), 0.0);
}

TEST(StudyConfig, MapsEveryQuirkAndTheRestoreThatTorchReallyDid) {
  const json& real = reference()["restore_is_real"];
  for (const std::string ds : {"iris", "mnist"}) {
    for (const std::string opt : {"sgd", "adam", "cmaes", "layerwise_cmaes"}) {
      const fs::path path = source_dir() / "configs/study" / (ds + "." + opt + ".json");
      const ExperimentConfig cfg = load_config(path.string());
      SCOPED_TRACE(path.string());
      EXPECT_EQ(cfg.model.output, Output::kSoftmax);
      EXPECT_EQ(cfg.model.activation, Activation::kSigmoid);
      EXPECT_TRUE(cfg.dataset.stratify);
      EXPECT_EQ(cfg.dataset.standardize, ds == "iris");
      if (ds == "iris") {
        EXPECT_EQ(cfg.dataset.standardize_on, StandardizeOn::kAll);
      }
      const OptimizerConfig& o = cfg.optimizers.at(0);
      const bool gradient = opt == "sgd" || opt == "adam";
      // The study's restore worked only where torch says it did.
      const bool restored = real[gradient ? opt : std::string("cmaes")].get<bool>();
      EXPECT_EQ(cfg.train.test_on, restored ? TestOn::kBestOnEarlyStop : TestOn::kLast);
      EXPECT_EQ(cfg.train.rng, RunRng::kTorch);
      if (!gradient) {
        EXPECT_EQ(o.params["variant"], "full");
        EXPECT_EQ(o.params["full_form"], "eigen");
        EXPECT_EQ(o.params["active"], true);
        EXPECT_EQ(o.params["select"], "best");
        EXPECT_EQ(o.params["blocks"], opt == "cmaes" ? "whole" : "layer");
        EXPECT_EQ(o.params["block_context"], "epoch_start");
        EXPECT_EQ(o.params["fitness"], "mean_over_batch");
        EXPECT_EQ(o.params["rng"], "shared");
      }
      ExperimentConfig fixed = cfg;
      apply_corrected_semantics(fixed);
      EXPECT_EQ(fixed.model.output, Output::kLogits);
      EXPECT_EQ(fixed.train.test_on, TestOn::kBest);
      EXPECT_EQ(fixed.name, cfg.name + ".corrected");
      if (!gradient) {
        const OptimizerConfig& f = fixed.optimizers[0];
        EXPECT_EQ(f.params["select"], "mean");
        EXPECT_EQ(f.params["block_context"], "current");
        EXPECT_EQ(f.params["fitness"], "mean");
        EXPECT_EQ(f.params["rng"], "run");
        const auto& typed = std::get<CmaesOptions>(f.options);
        EXPECT_EQ(typed.training.select, Selection::kMean);
      }
      // The resolved config reads back to the same semantics.
      const ExperimentConfig again = parse_config(fixed.resolved, "resolved");
      EXPECT_EQ(again.resolved, fixed.resolved);
    }
  }
}

namespace {

// Records the candidate matrices it is given; fitness = candidate index + 1.
class RecordingEvaluator : public PopulationEvaluator {
 public:
  void evaluate(const Eigen::Ref<const Matrix>& candidates, const Batch& batch,
                Eigen::Ref<Vector> fitness) override {
    seen.emplace_back(candidates);
    counts.push_back(batch.count);
    for (Index j = 0; j < candidates.cols(); ++j) fitness(j) = static_cast<double>(j + 1);
  }
  std::vector<Matrix> seen;
  std::vector<Index> counts;
};

}  // namespace

TEST(StudyLayerwise, LaterBlocksSeeTheEpochStartValuesAndFitnessIsScaled) {
  const Mlp mlp({3, {2}, 2, Activation::kSigmoid, Output::kSoftmax});
  const std::vector<ParamBlock> blocks = mlp.tensor_blocks();
  ASSERT_EQ(blocks.size(), 4u);  // W1, b1, W2, b2
  EXPECT_EQ(blocks[0].size, 6);
  EXPECT_EQ(blocks[1].begin, 6);
  EXPECT_EQ(blocks[1].size, 2);
  EXPECT_EQ(blocks[3].begin, 12);  // 6 + 2 + 4

  Dataset data;
  data.X = Matrix::Random(3, 10);
  data.y.assign(10, 0);
  data.num_classes = 2;
  std::vector<Index> order(10);
  for (Index i = 0; i < 10; ++i) order[static_cast<size_t>(i)] = i;

  for (const BlockContext context : {BlockContext::kCurrent, BlockContext::kEpochStart}) {
    CmaOptions cma;
    cma.variant = CmaVariant::kFull;
    cma.popsize = 4;
    cma.sigma0 = 0.5;
    PopulationMethodOptions o;
    o.blocks = mlp.layer_blocks();
    o.select = Selection::kBest;
    o.context = context;
    o.fitness = FitnessScale::kMeanOverBatch;
    const Vector p0 = Vector::LinSpaced(mlp.num_params(), -1.0, 1.0);
    RecordingEvaluator ev;
    const StrategyFactory make = [cma](const Eigen::Ref<const Vector>& mean0, Rng rng) {
      return std::make_unique<CmaEs>(mean0, cma, rng);
    };
    PopulationMethod m(mlp, p0, o, make, Rng(3, 0, Stream::kOptimizer), ev);
    Vector params = p0;
    Counters counters;
    m.begin_epoch(params);
    m.train_batch(params, Batch{&data, order.data(), 4}, counters);
    const Vector after_first = params;
    ASSERT_NE(after_first, p0);
    m.train_batch(params, Batch{&data, order.data() + 4, 4}, counters);
    ASSERT_EQ(ev.seen.size(), 4u);  // 2 batches x 2 blocks
    const ParamBlock& l0 = o.blocks[0];
    const ParamBlock& l1 = o.blocks[1];
    // Second batch: block 0 always evaluates against the current block 1.
    EXPECT_EQ(Matrix(ev.seen[2].middleRows(l1.begin, l1.size).col(0)),
              Matrix(after_first.segment(l1.begin, l1.size)));
    // Block 1 sees block 0 at its epoch-start value only under the quirk.
    const Vector want = context == BlockContext::kEpochStart ? p0 : after_first;
    EXPECT_EQ(Matrix(ev.seen[3].middleRows(l0.begin, l0.size).col(0)),
              Matrix(want.segment(l0.begin, l0.size)));
    // Fitness j + 1 divided by the batch size of 4: the best ever is 1/4.
    EXPECT_DOUBLE_EQ(m.strategy(0).best_f(), 0.25);
    // The epoch-start values survive a checkpoint.
    const StateMap st = m.state();
    EXPECT_EQ(st.count("epoch_start"), context == BlockContext::kEpochStart ? 1u : 0u);
  }
}

namespace {

bool have_mnist() {
  try {
    find_dataset_dir("mnist", "");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

// Each of the study's eight setups, one run of two epochs (MNIST on 10,000
// images of the training file): the recorded losses are the study's loss of
// the recorded parameters, the weights tested are the ones the study tested,
// and the study's counter counts what the study's loop did.
TEST(StudySetups, EachRunsBrieflyWithTheStudysLossAndCounter) {
  for (const std::string ds : {"iris", "mnist"}) {
    if (ds == "mnist" && !have_mnist()) {
      GTEST_SKIP() << "MNIST not found: set NEUROCMA_DATA_DIR (.ci/run does); Iris ran";
    }
    for (const std::string opt : {"sgd", "adam", "cmaes", "layerwise_cmaes"}) {
      const fs::path path = source_dir() / "configs/study" / (ds + "." + opt + ".json");
      SCOPED_TRACE(path.string());
      ExperimentConfig cfg = load_config(path.string());
      cfg.train.max_epochs = 2;
      if (ds == "mnist") cfg.dataset.limit = 10000;
      cfg.resolved = to_json(cfg);
      std::ostringstream warn;
      const Splits splits = load_splits(cfg.dataset, cfg.seed, warn);
      const Experiment ex(cfg, splits);
      const RunRecord rec = run_job(ex, cfg.optimizers[0], 0, run_seed(cfg.seed, 0), nullptr);
      const RunResult& r = rec.result;
      ASSERT_EQ(r.epochs, 2);
      const Mlp& mlp = ex.mlp;
      const double bound = loss_lower_bound(Output::kSoftmax, splits.train.num_classes);
      for (const double l : {r.train_loss, r.val_loss, r.test_loss}) {
        EXPECT_GE(l, bound);
        EXPECT_LE(l, bound + 1.0);  // at most log(e + k - 1): all mass on a wrong class
      }
      // The stored test loss is the study's loss of the parameters tested.
      const LossAcc te = evaluate_dataset(mlp, r.final_params, splits.test);
      EXPECT_EQ(r.test_loss, te.loss);
      EXPECT_EQ(r.test_acc, te.accuracy);
      // Two epochs never trigger early stopping: the last weights are tested.
      EXPECT_EQ(r.val_loss, r.history.back().val_loss);

      const long long ntr = splits.train.size(), nva = splits.val.size(), nte = splits.test.size();
      const long long final_evals = ntr + nva + nte;
      const long long bs = cfg.train.batch_size;
      const long long batches = (ntr + bs - 1) / bs;
      long long want = 0;
      if (opt == "sgd" || opt == "adam") {
        want = 2 * (ntr + nva + batches) + final_evals;
        EXPECT_EQ(r.grad_evals, 2 * ntr);
      } else {
        const long long blocks = opt == "cmaes" ? 1 : 2;
        const long long lambda = cfg.optimizers[0].params["popsize"].get<long long>();
        EXPECT_EQ(r.model_evals, 2 * blocks * lambda * ntr);
        want = 2 * (blocks * lambda * ntr + ntr + nva) + final_evals;
        EXPECT_EQ(r.grad_evals, 0);
      }
      EXPECT_EQ(r.study_evals, want);
      EXPECT_EQ(r.history.back().study_evals, want - final_evals);
    }
  }
}

// Checkpoints: a run resumed from any saved TrainState (mid-epoch or at an
// epoch boundary, through the checkpoint file) ends bit-identically to the
// uninterrupted run; bad files are refused with clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "neurocma/app/checkpoint.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/optim/cmaes.hpp"
#include "neurocma/train/gradient_method.hpp"
#include "neurocma/train/population_method.hpp"
#include "neurocma/train/trainer.hpp"
#include "run_compare.hpp"

using namespace neurocma;

namespace {

Splits toy_splits() {
  return testing_support::blob_splits(5, 0.8, 150, 60, 60);
}

enum class Kind { kSgd, kAdam, kCmaFull, kCmaSepLayer, kCmaLm, kCmaBest };

struct Harness {
  Mlp mlp{MlpSpec{2, {6}, 3, Activation::kTanh}};
  SerialEvaluator eval{mlp};
  std::unique_ptr<TrainingMethod> method;
  TrainSettings ts;
  Vector p0;
  Rng shuffle{0};

  // opt_seed lets a test build the method with another seed than the saved
  // run, to show that everything comes from the restored state.
  Harness(Kind kind, std::uint64_t seed, std::uint64_t opt_seed) {
    Rng init(seed, 0, Stream::kInit);
    p0 = mlp.init(init);
    shuffle = Rng(opt_seed, 0, Stream::kShuffle);
    ts.batch_size = 32;  // 150 samples: 5 mini-batches, the last one short
    ts.max_epochs = 12;
    ts.patience = 3;
    ts.min_delta = 1e-4;
    if (kind == Kind::kSgd) {
      SgdOptions o;
      o.lr = 0.1;
      o.momentum = 0.9;
      method = std::make_unique<GradientMethod>(mlp, std::make_unique<Sgd>(o));
    } else if (kind == Kind::kAdam) {
      AdamOptions o;
      o.lr = 0.02;
      method = std::make_unique<GradientMethod>(mlp, std::make_unique<Adam>(o));
    } else {
      CmaOptions cma;
      cma.sigma0 = 0.1;
      cma.variant = kind == Kind::kCmaFull ? CmaVariant::kFull
                    : kind == Kind::kCmaLm ? CmaVariant::kLm
                                           : CmaVariant::kSep;
      cma.active = kind == Kind::kCmaFull;
      cma.mirrored = kind == Kind::kCmaLm;
      PopulationMethodOptions o;
      o.select = kind == Kind::kCmaBest ? Selection::kBest : Selection::kMean;
      o.blocks = kind == Kind::kCmaSepLayer ? mlp.layer_blocks()
                                            : std::vector<ParamBlock>{{0, mlp.num_params()}};
      const StrategyFactory make = [cma](const Eigen::Ref<const Vector>& mean0, Rng rng) {
        return std::make_unique<CmaEs>(mean0, cma, rng);
      };
      method = std::make_unique<PopulationMethod>(mlp, p0, o, make,
                                                  Rng(opt_seed, 0, Stream::kOptimizer), eval);
    }
  }
};

void expect_same(const RunResult& a, const RunResult& b, const std::string& what) {
  testing_support::expect_same_result(a, b, what);
}

std::string temp_dir(const std::string& name) {
  const std::string d = testing::TempDir() + "neurocma_ckpt_" + name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

nlohmann::json identity() {
  return {{"config", "toy"}, {"jobs", {{"adam", 0}}}};
}

}  // namespace

TEST(Checkpoint, ResumeFromAnySavedStateIsBitIdentical) {
  const Splits s = toy_splits();
  const std::string dir = temp_dir("resume");
  for (Kind kind : {Kind::kSgd, Kind::kAdam, Kind::kCmaFull, Kind::kCmaSepLayer, Kind::kCmaLm,
                    Kind::kCmaBest}) {
    const std::string what = "kind " + std::to_string(static_cast<int>(kind));
    // The uninterrupted run saves at every opportunity.
    Harness ref(kind, 7, 7);
    std::vector<TrainState> saved;
    std::vector<bool> at_epoch_end;
    FunctionCallback hooks;
    hooks.on_save_due = [&](bool epoch_end, int) {
      at_epoch_end.push_back(epoch_end);
      return true;
    };
    hooks.on_save = [&](const TrainState& st) { saved.push_back(st); };
    const RunResult full = train(ref.mlp, s, *ref.method, ref.ts, ref.p0, ref.shuffle, {&hooks});
    ASSERT_GE(full.epochs, 3) << what;
    ASSERT_GT(saved.size(), 10u) << what;
    // Mid-epoch states and epoch boundaries, early and late; through the file.
    for (size_t k : {size_t{0}, size_t{3}, size_t{4}, saved.size() / 2, saved.size() - 1}) {
      const std::string path = dir + "/job.ckpt";
      write_job_checkpoint(path, identity(), "adam", 0, saved[k]);
      TrainState st;
      ASSERT_TRUE(read_job_checkpoint(path, identity(), "adam", 0, st));
      Harness again(kind, 7, 999);  // another optimizer and shuffle seed: state must win
      const RunResult r =
          train(again.mlp, s, *again.method, again.ts, again.p0, again.shuffle, {}, &st);
      expect_same(full, r,
                  what + ", state " + std::to_string(k) +
                      (at_epoch_end[k] ? " (epoch end)" : " (mid-epoch)"));
    }
  }
  std::filesystem::remove_all(dir);
}

namespace {

// A fresh Adam harness (seeds 3, 3) resumed from `saved` ends like `full`.
void expect_adam_resume_finishes(const Splits& s, const RunResult& full, const TrainState& saved,
                                 const std::string& what) {
  Harness second(Kind::kAdam, 3, 3);
  expect_same(
      full, train(second.mlp, s, *second.method, second.ts, second.p0, second.shuffle, {}, &saved),
      what);
}

}  // namespace

TEST(Checkpoint, StopNowEndsTheRunAfterSavingAndResumeFinishesIt) {
  const Splits s = toy_splits();
  Harness ref(Kind::kAdam, 3, 3);
  const RunResult full = train(ref.mlp, s, *ref.method, ref.ts, ref.p0, ref.shuffle);

  Harness first(Kind::kAdam, 3, 3);
  int batches = 0;
  TrainState saved;
  FunctionCallback hooks;
  hooks.on_save_due = [&](bool, int) { return ++batches == 7; };  // a "signal" mid-epoch 2
  hooks.on_save = [&](const TrainState& st) { saved = st; };
  hooks.on_interrupt = [&] { return batches >= 7; };
  const RunResult cut =
      train(first.mlp, s, *first.method, first.ts, first.p0, first.shuffle, {&hooks});
  EXPECT_EQ(cut.stop.text(), "interrupted");
  EXPECT_EQ(saved.epoch, 1);
  EXPECT_GT(saved.batch_start, 0);

  expect_adam_resume_finishes(s, full, saved, "adam stopped mid-epoch");
}

// The signal lands while interrupt()() runs (it polls the scheduler first), so
// checkpoint_due() only sees it when asked after interrupt()(). The run must
// still save before it stops; asked the other way round it stopped unsaved.
TEST(Checkpoint, ASignalArrivingInsideStopNowIsStillSaved) {
  const Splits s = toy_splits();
  Harness ref(Kind::kAdam, 3, 3);
  const RunResult full = train(ref.mlp, s, *ref.method, ref.ts, ref.p0, ref.shuffle);

  Harness first(Kind::kAdam, 3, 3);
  bool signalled = false;
  int polls = 0, saves = 0;
  TrainState saved;
  FunctionCallback hooks;
  hooks.on_save_due = [&](bool, int) { return signalled; };
  hooks.on_save = [&](const TrainState& st) {
    saved = st;
    ++saves;
  };
  hooks.on_interrupt = [&] {
    if (++polls == 5) signalled = true;
    return signalled;
  };
  const RunResult cut =
      train(first.mlp, s, *first.method, first.ts, first.p0, first.shuffle, {&hooks});
  EXPECT_EQ(cut.stop.text(), "interrupted");
  ASSERT_EQ(saves, 1);

  expect_adam_resume_finishes(s, full, saved, "adam signalled inside interrupt()");
}

TEST(Checkpoint, StateOfAnotherMethodIsRefused) {
  const Splits s = toy_splits();
  Harness adam(Kind::kAdam, 1, 1);
  Harness cma(Kind::kCmaSepLayer, 1, 1);
  EXPECT_THROW(cma.method->set_state(adam.method->state()), RuntimeError);
  Harness whole(Kind::kCmaFull, 1, 1);
  EXPECT_THROW(whole.method->set_state(cma.method->state()), RuntimeError);
}

TEST(Checkpoint, FinishedRecordsRoundTrip) {
  const std::string dir = temp_dir("finished");
  RunRecord a;
  a.optimizer = "adam";
  a.run_index = 2;
  a.result.history.resize(3);
  a.result.history[1].val_loss = 0.25;
  a.result.test_acc = 0.9;
  a.result.final_params = Vector::LinSpaced(5, 0, 1);
  write_finished_checkpoint(dir, identity(), {a, a});
  const std::vector<RunRecord> back = read_finished_checkpoint(dir, identity());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].optimizer, "adam");
  EXPECT_EQ(back[1].run_index, 2);
  EXPECT_EQ(back[1].result.history[1].val_loss, 0.25);
  EXPECT_EQ(back[1].result.final_params, a.result.final_params);
  EXPECT_TRUE(read_finished_checkpoint(dir + "/missing", identity()).empty());
  // No temporary file is left behind.
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(e.path().extension(), ".ckpt") << e.path();
  std::filesystem::remove_all(dir);
}

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Checkpoint, CorruptTruncatedAndForeignFilesAreRefused) {
  const std::string dir = temp_dir("bad");
  const std::string path = dir + "/job.ckpt";
  TrainState st;
  st.order = {2, 0, 1};
  st.params = Vector::Ones(4);
  st.best_params = Vector::Zero(4);
  st.method["opt0"] = {1, 2, 3};
  write_job_checkpoint(path, identity(), "adam", 0, st);
  TrainState back;
  ASSERT_TRUE(read_job_checkpoint(path, identity(), "adam", 0, back));
  EXPECT_EQ(back.order, st.order);
  EXPECT_EQ(back.method, st.method);

  // Another config: the differing key is named.
  nlohmann::json other = identity();
  other["config"] = "mnist";
  std::string msg = error_of([&] { read_job_checkpoint(path, other, "adam", 0, back); });
  EXPECT_NE(msg.find("another experiment"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/config"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_THROW(read_job_checkpoint(path, other, "adam", 0, back), ConfigError);
  // Another job's file.
  msg = error_of([&] { read_job_checkpoint(path, identity(), "sgd", 3, back); });
  EXPECT_NE(msg.find("expected 'sgd' run 3"), std::string::npos) << msg;

  // A flipped bit in the payload.
  std::vector<char> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto write_bytes = [&](const std::vector<char>& b) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
  };
  std::vector<char> flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x10;
  write_bytes(flipped);
  msg = error_of([&] { read_job_checkpoint(path, identity(), "adam", 0, back); });
  EXPECT_NE(msg.find("checksum mismatch"), std::string::npos) << msg;
  // Truncated (a kill during a copy, a full disk).
  write_bytes(
      std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() / 2)));
  msg = error_of([&] { read_job_checkpoint(path, identity(), "adam", 0, back); });
  EXPECT_NE(msg.find("corrupt"), std::string::npos) << msg;
  // Not a checkpoint at all.
  write_bytes(std::vector<char>{'h', 'e', 'l', 'l', 'o'});
  msg = error_of([&] { read_job_checkpoint(path, identity(), "adam", 0, back); });
  EXPECT_NE(msg.find("not a neurocma checkpoint"), std::string::npos) << msg;
  // A finished-runs file is not a job file.
  write_finished_checkpoint(dir, identity(), {});
  msg = error_of(
      [&] { read_job_checkpoint(finished_checkpoint_path(dir), identity(), "adam", 0, back); });
  EXPECT_NE(msg.find("wrong kind"), std::string::npos) << msg;
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, ChecksumSeesEveryByteAndTheLength) {
  std::vector<char> b(37, 'x');
  const std::uint64_t h = checksum64(b.data(), b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    std::vector<char> c = b;
    c[i] ^= 1;
    EXPECT_NE(checksum64(c.data(), c.size()), h) << i;
  }
  EXPECT_NE(checksum64(b.data(), b.size() - 1), h);
  std::vector<char> zeros(16, 0);
  EXPECT_NE(checksum64(zeros.data(), 8), checksum64(zeros.data(), 16));
}

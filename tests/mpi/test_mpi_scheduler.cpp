// The job scheduler under mpirun: every job runs exactly once whatever the
// rank count and group size, records reach rank 0 intact (NaN included),
// population jobs see the same fitness values as a serial evaluation, and
// the dynamic (tune) variant ends correctly when its source waits for results.
#include <gtest/gtest.h>
#include <mpi.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "mpi/toy_evaluator.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/serialize.hpp"
#include "neurocma/parallel/scheduler.hpp"

namespace neurocma {
namespace {

ParallelContext& context() {
  static ParallelContext ctx(nullptr, nullptr);  // MPI already initialised by main
  return ctx;
}

const Dataset& data() {
  static const Dataset d = test::toy_dataset(5, 60, 21);
  return d;
}

// A job whose record encodes what it did. Population jobs evaluate a few
// generations through the group's evaluator; the mean fitness of each
// generation goes into the history so rank 0 can compare it bit for bit.
RunRecord toy_job(const JobSpec& job, PopulationEvaluator& ev, int& executed) {
  ++executed;
  RunRecord rec;
  rec.optimizer = "opt" + std::to_string(job.optimizer);
  rec.optimizer_type = job.population ? "cmaes" : "sgd";
  rec.run_index = job.run;
  rec.seed = 1000 + static_cast<std::uint64_t>(job.run);
  rec.hyperparams = job.payload;
  rec.result.stop = RunStop::parse("max_epochs");
  if (job.population) {
    for (int gen = 0; gen < 4; ++gen) {
      const Index lambda = 7 + job.run;
      const Matrix cand =
          test::toy_candidates(6, lambda, 50 + static_cast<std::uint64_t>(job.run * 10 + gen));
      std::vector<Index> idx;
      for (Index i = 0; i < 16; ++i) idx.push_back((i * 5 + gen + job.run) % data().size());
      Vector f(lambda);
      ev.evaluate(cand, Batch{&data(), idx.data(), 16}, f);
      EpochRecord e;
      e.train_loss = f.sum();
      e.val_loss = f.minCoeff();
      e.model_evals = lambda * 16;
      rec.result.history.push_back(e);  // sigma/condition stay NaN
    }
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EpochRecord e;
    e.train_loss = job.run + 0.5;
    rec.result.history.push_back(e);
  }
  rec.result.epochs = static_cast<int>(rec.result.history.size());
  rec.result.test_acc = std::numeric_limits<double>::quiet_NaN();
  rec.result.final_params = Vector::Constant(3, job.optimizer);
  return rec;
}

// What toy_job's population part computes, serially.
std::vector<double> serial_losses(const JobSpec& job) {
  test::ToyEvaluator ev;
  std::vector<double> out;
  for (int gen = 0; gen < 4; ++gen) {
    const Index lambda = 7 + job.run;
    const Matrix cand =
        test::toy_candidates(6, lambda, 50 + static_cast<std::uint64_t>(job.run * 10 + gen));
    std::vector<Index> idx;
    for (Index i = 0; i < 16; ++i) idx.push_back((i * 5 + gen + job.run) % data().size());
    Vector f(lambda);
    ev.evaluate(cand, Batch{&data(), idx.data(), 16}, f);
    out.push_back(f.sum());
  }
  return out;
}

bool bit_equal(double a, double b) {
  return std::memcmp(&a, &b, sizeof(double)) == 0;
}

void check_every_job_once(int ranks_per_run, Index quantum) {
  ParallelContext& ctx = context();
  std::vector<JobSpec> jobs;
  for (int run = 0; run < 5; ++run)
    for (int opt = 0; opt < 3; ++opt)
      jobs.push_back({opt, run, opt == 2, "{\"k\":" + std::to_string(run) + "}"});
  int executed = 0;
  std::map<std::pair<int, int>, int> seen;
  ScheduleOptions so;
  so.ranks_per_run = ranks_per_run;
  so.data = &data();
  so.quantum = quantum;
  execute_jobs(
      ctx, jobs, so, [] { return std::make_unique<test::ToyEvaluator>(); },
      [&](const JobSpec& j, PopulationEvaluator& ev) { return toy_job(j, ev, executed); },
      [&](const JobSpec& j, const RunRecord& rec) {
        ASSERT_TRUE(ctx.is_root());
        ++seen[{j.optimizer, j.run}];
        EXPECT_EQ(rec.run_index, j.run);
        EXPECT_EQ(rec.optimizer, "opt" + std::to_string(j.optimizer));
        EXPECT_EQ(rec.hyperparams, j.payload);
        EXPECT_TRUE(std::isnan(rec.result.test_acc));
        ASSERT_EQ(rec.result.final_params.size(), 3);
        EXPECT_EQ(rec.result.final_params(2), j.optimizer);
        if (j.population) {
          const std::vector<double> ref = serial_losses(j);
          ASSERT_EQ(rec.result.history.size(), ref.size());
          for (std::size_t g = 0; g < ref.size(); ++g) {
            EXPECT_TRUE(bit_equal(rec.result.history[g].train_loss, ref[g]))
                << "job " << j.optimizer << "/" << j.run << " generation " << g;
            EXPECT_TRUE(std::isnan(rec.result.history[g].sigma));
          }
        }
      });
  int total = 0, leaders_busy = 0, busy = executed > 0 ? 1 : 0;
  MPI_Allreduce(&executed, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(&busy, &leaders_busy, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(total, static_cast<int>(jobs.size()));
  if (ctx.is_root()) {
    EXPECT_EQ(seen.size(), jobs.size());
    for (const auto& kv : seen) EXPECT_EQ(kv.second, 1);
  }
  // Work is spread: with several groups more than one leader trained.
  const int g = ranks_per_run > 0 ? std::min(ranks_per_run, ctx.size()) : 1;
  if (ctx.size() / g > 1) {
    EXPECT_GT(leaders_busy, 1);
  }
}

TEST(Scheduler, EveryJobOnceDefaultGroups) {
  check_every_job_once(0, 0);
}
TEST(Scheduler, EveryJobOnceGroupsOfTwo) {
  check_every_job_once(2, 1);
}
TEST(Scheduler, EveryJobOnceOneGroup) {
  check_every_job_once(context().size(), 4);
}
TEST(Scheduler, EveryJobOnceGroupsOfThree) {
  check_every_job_once(3, 8);
}

TEST(Scheduler, DefaultGroupSize) {
  EXPECT_EQ(default_ranks_per_run(4, 10), 1);
  EXPECT_EQ(default_ranks_per_run(4, 4), 1);
  EXPECT_EQ(default_ranks_per_run(4, 2), 2);
  EXPECT_EQ(default_ranks_per_run(8, 3), 2);
  EXPECT_EQ(default_ranks_per_run(4, 1), 4);
  EXPECT_EQ(default_ranks_per_run(4, 0), 1);
}

// next() hands out at most two jobs ahead of the results it has seen, so it
// regularly answers "nothing now"; the run must still finish every job.
TEST(Scheduler, DynamicWaitsForResults) {
  ParallelContext& ctx = context();
  const int total_jobs = 9;
  int issued = 0, done = 0, executed = 0;
  std::set<int> runs;
  ScheduleOptions so;
  so.data = &data();
  execute_dynamic(
      ctx, so, [] { return std::make_unique<test::ToyEvaluator>(); },
      [&](JobSpec& j) {
        if (issued >= total_jobs || issued >= done + 2) return false;
        j = JobSpec{0, issued++, issued % 2 == 0, "trial"};
        return true;
      },
      [&](const JobSpec& j, PopulationEvaluator& ev) { return toy_job(j, ev, executed); },
      [&](const JobSpec& j, const RunRecord& rec) {
        EXPECT_EQ(rec.run_index, j.run);
        EXPECT_TRUE(runs.insert(j.run).second);
        ++done;
      });
  int total = 0;
  MPI_Allreduce(&executed, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(total, total_jobs);
  if (ctx.is_root()) {
    EXPECT_EQ(done, total_jobs);
    EXPECT_EQ(static_cast<int>(runs.size()), total_jobs);
  }
}

TEST(Serialize, RunRecordRoundTripsBitExactly) {
  RunRecord rec;
  rec.optimizer = "cmaes_sep";
  rec.optimizer_type = "cmaes";
  rec.hyperparams = std::string("{\"a\":1}\0tail", 12);
  rec.seed = 0xFFFFFFFFFFFFFFFFULL;
  rec.run_index = 7;
  rec.dataset = "mnist";
  rec.model_shape = "196-32-10";
  rec.config_json = "{}";
  rec.version = "0.1 (abc)";
  for (int e = 0; e < 3; ++e) {
    EpochRecord r;
    r.time = 0.1 * e;
    r.train_loss = -0.0;
    r.val_loss = std::numeric_limits<double>::infinity();
    r.val_acc = std::nextafter(1.0, 0.0);
    r.model_evals = (1LL << 40) + e;
    r.grad_evals = -1;
    r.sigma = e == 1 ? 0.5 : std::numeric_limits<double>::quiet_NaN();
    rec.result.history.push_back(r);
  }
  rec.result.test_loss = std::numeric_limits<double>::quiet_NaN();
  rec.result.best_epoch = 2;
  rec.result.epochs = 3;
  rec.result.stop = RunStop::parse("optimizer:tolx");
  rec.result.final_params = Vector::LinSpaced(5, -1, 1);
  std::vector<char> buf{'x'};
  pack(rec, buf);
  std::size_t pos = 1;
  const RunRecord back = unpack_record(buf, pos);
  EXPECT_EQ(pos, buf.size());
  EXPECT_EQ(back.hyperparams, rec.hyperparams);
  EXPECT_EQ(back.seed, rec.seed);
  EXPECT_EQ(back.version, rec.version);
  EXPECT_EQ(back.result.stop.text(), rec.result.stop.text());
  EXPECT_EQ(back.result.final_params, rec.result.final_params);
  ASSERT_EQ(back.result.history.size(), 3u);
  for (int e = 0; e < 3; ++e) {
    const EpochRecord& a = rec.result.history[static_cast<std::size_t>(e)];
    const EpochRecord& b = back.result.history[static_cast<std::size_t>(e)];
    EXPECT_EQ(std::memcmp(&a, &b, sizeof(EpochRecord)), 0) << "epoch " << e;
  }
  EXPECT_TRUE(std::isnan(back.result.test_loss));
  // Truncated input is an error, not a crash.
  buf.resize(buf.size() - 3);
  pos = 1;
  EXPECT_THROW(unpack_record(buf, pos), RuntimeError);
}

}  // namespace
}  // namespace neurocma

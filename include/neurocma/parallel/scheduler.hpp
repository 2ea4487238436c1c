// Distribution of (optimizer, run) jobs over groups of MPI ranks.
//
// World rank 0 hands out jobs dynamically, receives each finished RunRecord
// and passes it to `on_result` (rank 0 alone writes the results file). Rank 0
// is also the leader of group 0 and trains jobs itself; it serves the other
// leaders' requests between generations, between jobs and whenever
// scheduler_poll() is called. Inside a group the leader runs the training loop
// and the other ranks serve population evaluations through the
// PopulationEvaluator given to `job`. Details: docs/parallel.md.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "neurocma/io/results.hpp"
#include "neurocma/parallel/context.hpp"
#include "neurocma/train/evaluator.hpp"

namespace neurocma {

struct JobSpec {
  int optimizer = 0;        // index into ExperimentConfig::optimizers
  int run = 0;              // run index
  bool population = false;  // true for CMA-ES jobs (benefit from a rank group)
  std::string payload;      // free-form (JSON) data, e.g. a tune trial's parameters
};

// Trains one job. `evaluator` evaluates populations across the group (serial
// when the group has one rank). Called on the group leader only.
using JobFunction = std::function<RunRecord(const JobSpec& job, PopulationEvaluator& evaluator)>;
// Receives finished records on world rank 0, in completion order. Runs on
// rank 0's main thread, possibly from inside rank 0's own `job` call (at a
// poll point); never concurrently with itself.
using ResultFunction = std::function<void(const JobSpec& job, const RunRecord& record)>;
// Builds a serial evaluator for the group's model (the MPI evaluator wraps it).
// Called once per rank (leaders and workers).
using EvaluatorFactory = std::function<std::unique_ptr<PopulationEvaluator>()>;

struct ScheduleOptions {
  int ranks_per_run = 0;  // 0 = default_ranks_per_run()
  // The data set that mini-batches index into, loaded identically on every
  // rank (normally the training split). Workers evaluate batches of it;
  // without it every group evaluates on its leader alone.
  const Dataset* data = nullptr;
  // Candidates per partition unit; 0 = 8 (always bit-identical). Use
  // partition_quantum(layer widths) from mpi_evaluator.hpp for a finer split.
  Index quantum = 0;
};

// Default group size: 1 when there are at least as many jobs as ranks (or
// the job count is unknown, jobs <= 0), else floor(world / jobs).
int default_ranks_per_run(int world_size, int jobs);

// Runs every job exactly once. Collective over the world: every rank calls it.
// Jobs with population == true are handed out first. On error on any rank
// (size > 1) the message goes to rank 0 and every rank ends (ctx.fail);
// on a single rank the exception propagates. After a signal (interrupted())
// no further job is started or reported and the call returns early.
void execute_jobs(ParallelContext& ctx, const std::vector<JobSpec>& jobs,
                  const ScheduleOptions& opt, const EvaluatorFactory& make_evaluator,
                  const JobFunction& job, const ResultFunction& on_result);

// Dynamic variant for tune: on world rank 0, `next` is asked for a new job
// whenever a group is free; it returns false when it has nothing to hand out
// right now (it is asked again after the next result arrives) and the run ends
// when it returns false with no job in flight. `next` is only called on rank 0,
// on its main thread, possibly from inside rank 0's own `job` call.
using NextJobFunction = std::function<bool(JobSpec& job)>;
void execute_dynamic(ParallelContext& ctx, const ScheduleOptions& opt,
                     const EvaluatorFactory& make_evaluator, const NextJobFunction& next,
                     const JobFunction& job, const ResultFunction& on_result);

// Lets rank 0 serve scheduling requests from inside a long job (e.g. once per
// mini-batch of a gradient run). A no-op on other ranks and outside
// execute_jobs/execute_dynamic. Cheap: one or two MPI_Iprobe calls.
void scheduler_poll();

}  // namespace neurocma

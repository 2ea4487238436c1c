// Population evaluation across a group of MPI ranks.
//
// The group leader owns the CMA-ES state. Per generation it sends each worker
// a header, the batch indices (every rank holds the same data set) and only
// that worker's candidate columns (n x lambda_r doubles), evaluates its own
// share and gathers lambda fitness values. Traffic per generation is
// O(n lambda + batch), never O(n^2). Shares are contiguous runs of whole
// "quanta" of candidates so that a batched float GEMM sees every candidate at
// the same panel position as a serial evaluation (bit-identical fitness for
// any group size; see docs/parallel.md).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "neurocma/parallel/context.hpp"
#include "neurocma/train/evaluator.hpp"

namespace neurocma {

// Consecutive world ranks working on one job at a time. Group g holds world
// ranks [g*size, (g+1)*size); the last group also takes the remainder.
class RankGroup {
 public:
  // Collective over the world (MPI_Comm_split). ranks_per_group >= 1.
  RankGroup(const ParallelContext& ctx, int ranks_per_group);
  ~RankGroup();
  RankGroup(const RankGroup&) = delete;
  RankGroup& operator=(const RankGroup&) = delete;

  int index() const { return m_index; }  // this rank's group
  int count() const { return m_count; }  // number of groups
  int rank() const { return m_rank; }    // rank inside the group (0 = leader)
  int size() const { return m_size; }
  bool is_leader() const { return m_rank == 0; }
  int world_rank() const { return m_world_rank; }
  // World rank of group g's leader.
  int leader_of(int g) const { return g * m_per_group; }

  struct Impl;
  Impl& impl() const { return *m_impl; }

 private:
  std::unique_ptr<Impl> m_impl;
  int m_index = 0, m_count = 1, m_rank = 0, m_size = 1, m_world_rank = 0, m_per_group = 1;
};

// Bytes the leader moved for population evaluation (payload only; MPI's own
// envelopes excluded). "sent" = headers, batch indices and candidate columns
// to the workers; "received" = fitness values from them.
struct EvalTraffic {
  long long generations = 0;
  long long bytes_sent = 0;
  long long bytes_received = 0;
  long long evaluations = 0;  // all evaluate() calls, distributed or not
  double seconds = 0;         // wall time inside evaluate() on the leader
  double seconds_send = 0;    // of which: headers, indices, scatter (distributed calls)
  double seconds_local = 0;   //   the leader's own share
  double seconds_wait = 0;    //   waiting for the workers' fitness
  double bytes_per_generation() const {
    return generations ? static_cast<double>(bytes_sent + bytes_received) / generations : 0.0;
  }
};

// Candidates per rank: `parts` contiguous shares of lambda. Every share but
// the last is a multiple of `quantum`; extra quanta go to the last shares (the
// leader, share 0, also runs ask/tell). quantum >= 1.
std::vector<Index> partition_counts(Index lambda, int parts, Index quantum);

// Smallest candidate quantum that keeps a batched evaluator bit-identical
// under partitioning, for layers of the given output widths (assumes GEMM
// column panels of up to 8, as in Eigen's float kernels).
Index partition_quantum(const std::vector<Index>& layer_outputs);

// Leader side. `local` evaluates this rank's share; `data` is the data set
// every rank of the group holds identically (batches into any other data set
// are evaluated by the leader alone).
class MpiPopulationEvaluator : public PopulationEvaluator {
 public:
  MpiPopulationEvaluator(RankGroup& group, std::unique_ptr<PopulationEvaluator> local,
                         const Dataset* data, Index quantum);
  ~MpiPopulationEvaluator() override;
  void evaluate(const Eigen::Ref<const Matrix>& candidates, const Batch& batch,
                Eigen::Ref<Vector> fitness) override;
  // With workers: each rank draws its own share of a shared generation from
  // the recipe (sent as 2n + 2 doubles instead of n doubles per candidate).
  void evaluate_shared(SharedGeneration& generation, const Batch& batch,
                       Eigen::Ref<Vector> fitness) override;
  // Tells the workers to leave serve_evaluations() (idempotent).
  void release_workers();
  const EvalTraffic& traffic() const { return m_traffic; }
  void reset_traffic() { m_traffic = EvalTraffic{}; }
  // Called on the leader after every generation (the scheduler's poll point).
  void set_after_generation(std::function<void()> f) { m_after = std::move(f); }

 private:
  RankGroup& m_group;
  std::unique_ptr<PopulationEvaluator> m_local;
  const Dataset* m_data;
  Index m_quantum;
  bool m_released = false;
  EvalTraffic m_traffic;
  std::function<void()> m_after;
  Matrix m_contiguous;
  std::vector<int> m_idx32;
  std::vector<std::int64_t> m_headers;
  std::vector<double> m_recipe;  // seed bits, sigma, mean, scale

  bool local_only(const Batch& batch) const;  // no workers for this call
  // Times `body` as one evaluation on this rank alone, then the poll point.
  template <typename Body>
  void run_locally(Body&& body);
  // Sends header, batch and payload(first column, count) -> (doubles, size)
  // to every worker, runs local(own count, fitness) on the leader's share and
  // gathers lambda fitness values. Shared by both kinds of evaluation.
  template <typename Payload, typename Local>
  void distribute(std::int64_t command, Index n, Index lambda, const Batch& batch,
                  std::int64_t extra, Payload&& payload, Local&& local, Eigen::Ref<Vector> fitness);
};

// Worker side: serves the leader's evaluate() calls until release_workers().
void serve_evaluations(RankGroup& group, PopulationEvaluator& local, const Dataset* data);

}  // namespace neurocma

// Leader/worker protocol of population evaluation inside a rank group.
//
// Per generation (group of P ranks, lambda candidates of dimension n, batch b):
//   header   MPI_Isend to worker r   8 int64
//   indices  MPI_Isend to worker r   b int32
//   payload  MPI_Isend to worker r   kEval: its candidate columns, n * lambda_r doubles
//                                    kEvalRecipe: the sep recipe, 2n + 2 doubles
//                                    (seed bits, sigma, mean, scale); the worker
//                                    draws its columns itself
//   fitness  MPI_Igatherv            lambda_r doubles from worker r
#include "neurocma/parallel/mpi_evaluator.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>

#include "internal.hpp"
#include "neurocma/core/error.hpp"

#ifdef NEUROCMA_HAVE_MPI
#include <mpi.h>
#endif

namespace neurocma {

namespace detail {
void maybe_inject_fault(int world_rank, const char* where) {
  static const char* spec = std::getenv("NEUROCMA_FAULT_INJECT");
  static bool fired = false;
  if (!spec || fired) return;
  const std::string s(spec);
  if (s.rfind("rank:", 0) != 0) return;
  if (std::atoi(s.c_str() + 5) != world_rank) return;
  fired = true;
  throw RuntimeError("injected fault (NEUROCMA_FAULT_INJECT=" + s + ") on rank " +
                     std::to_string(world_rank) + " while " + where);
}
}  // namespace detail

namespace {
enum Command : std::int64_t { kEval = 1, kQuit = 2, kEvalRecipe = 3 };
constexpr int kHeaderSize = 8;  // command, n, batch, count, first column, lambda, extra, 0
constexpr int kTagHeader = 101;
constexpr int kTagBatch = 102;
constexpr int kTagColumns = 103;

#ifdef NEUROCMA_HAVE_MPI
void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw RuntimeError(std::string("MPI call failed: ") + what);
}
#endif
}  // namespace

struct RankGroup::Impl {
#ifdef NEUROCMA_HAVE_MPI
  MPI_Comm comm = MPI_COMM_NULL;
#endif
};

RankGroup::RankGroup(const ParallelContext& ctx, int ranks_per_group)
    : m_impl(std::make_unique<Impl>()) {
  if (ranks_per_group < 1)
    throw ConfigError("--ranks-per-run " + std::to_string(ranks_per_group) +
                      ": expected a number >= 1");
  const int world = ctx.size();
  m_per_group = std::min(ranks_per_group, world);
  m_count = std::max(1, world / m_per_group);
  m_world_rank = ctx.rank();
  m_index = std::min(m_world_rank / m_per_group, m_count - 1);
  m_rank = m_world_rank - m_index * m_per_group;
  m_size = m_index == m_count - 1 ? world - m_index * m_per_group : m_per_group;
#ifdef NEUROCMA_HAVE_MPI
  if (world > 1) {
    check(MPI_Comm_split(MPI_COMM_WORLD, m_index, m_rank, &m_impl->comm), "MPI_Comm_split");
  }
#endif
}

RankGroup::~RankGroup() {
#ifdef NEUROCMA_HAVE_MPI
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && m_impl->comm != MPI_COMM_NULL) MPI_Comm_free(&m_impl->comm);
#endif
}

std::vector<Index> partition_counts(Index lambda, int parts, Index quantum) {
  if (parts < 1 || quantum < 1 || lambda < 0)
    throw RuntimeError("partition_counts: expected parts >= 1, quantum >= 1, lambda >= 0");
  const Index units = (lambda + quantum - 1) / quantum;
  const Index base = units / parts, extra = units % parts;
  std::vector<Index> counts(static_cast<std::size_t>(parts));
  Index start = 0;
  for (int r = 0; r < parts; ++r) {
    const Index u = base + (r >= parts - extra ? 1 : 0);  // leader gets fewer
    const Index end = std::min(lambda, start + u * quantum);
    counts[static_cast<std::size_t>(r)] = end - start;
    start = end;
  }
  return counts;
}

Index partition_quantum(const std::vector<Index>& layer_outputs) {
  constexpr Index kPanel = 8;
  Index q = 1;
  for (Index out : layer_outputs) {
    const Index need = kPanel / std::gcd(std::max<Index>(out, 1), kPanel);
    q = std::lcm(q, need);
  }
  return q;
}

MpiPopulationEvaluator::MpiPopulationEvaluator(RankGroup& group,
                                               std::unique_ptr<PopulationEvaluator> local,
                                               const Dataset* data, Index quantum)
    : m_group(group),
      m_local(std::move(local)),
      m_data(data),
      m_quantum(std::max<Index>(1, quantum)) {
  if (!m_local) throw RuntimeError("MpiPopulationEvaluator: no local evaluator");
}

MpiPopulationEvaluator::~MpiPopulationEvaluator() = default;

bool MpiPopulationEvaluator::local_only(const Batch& batch) const {
  return m_group.size() == 1 || batch.data != m_data || m_data == nullptr || m_released;
}

template <typename Body>
void MpiPopulationEvaluator::run_locally(Body&& body) {
  const auto t0 = std::chrono::steady_clock::now();
  ++m_traffic.evaluations;
  body();
  m_traffic.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (m_after) m_after();
}

void MpiPopulationEvaluator::evaluate(const Eigen::Ref<const Matrix>& candidates,
                                      const Batch& batch, Eigen::Ref<Vector> fitness) {
  const Index n = candidates.rows(), lambda = candidates.cols();
  if (local_only(batch)) {
    run_locally([&] { m_local->evaluate(candidates, batch, fitness); });
    return;
  }
  // Columns are contiguous in a column-major matrix with outer stride n.
  const double* base = candidates.data();
  if (candidates.outerStride() != n) {
    m_contiguous = candidates;
    base = m_contiguous.data();
  }
  distribute(
      kEval, n, lambda, batch, 0,
      [&](Index start, Index count) { return std::make_pair(base + start * n, count * n); },
      [&](Index own, Eigen::Ref<Vector> out) {
        Eigen::Map<const Matrix> mine(base, n, own);
        m_local->evaluate(mine, batch, out);
      },
      fitness);
}

void MpiPopulationEvaluator::evaluate_shared(SharedGeneration& generation, const Batch& batch,
                                             Eigen::Ref<Vector> fitness) {
  const GaussianRecipe& r = generation.recipe();
  const Index n = r.mean.size(), lambda = r.lambda;
  if (local_only(batch)) {
    // Drawing counts as part of the evaluation here, as it does on every
    // rank of a group (1-rank and P-rank timings compare like with like).
    run_locally([&] { m_local->evaluate_columns(generation, 0, lambda, batch, fitness); });
    return;
  }
  m_recipe.resize(static_cast<std::size_t>(2 * n + 2));
  std::memcpy(&m_recipe[0], &r.seed, sizeof(double));
  m_recipe[1] = r.sigma;
  std::copy(r.mean.data(), r.mean.data() + n, m_recipe.begin() + 2);
  std::copy(r.scale.data(), r.scale.data() + n, m_recipe.begin() + 2 + n);
  distribute(
      kEvalRecipe, n, lambda, batch, r.mirror_from,
      [&](Index, Index) { return std::make_pair(m_recipe.data(), 2 * n + 2); },
      [&](Index own, Eigen::Ref<Vector> out) {
        m_local->evaluate_columns(generation, 0, own, batch, out);
      },
      fitness);
}

template <typename Payload, typename Local>
void MpiPopulationEvaluator::distribute(std::int64_t command, Index n, Index lambda,
                                        const Batch& batch, std::int64_t extra, Payload&& payload,
                                        Local&& local, Eigen::Ref<Vector> fitness) {
  const auto t0 = std::chrono::steady_clock::now();
  ++m_traffic.evaluations;
#ifdef NEUROCMA_HAVE_MPI
  MPI_Comm comm = m_group.impl().comm;
  const int p = m_group.size();
  const std::vector<Index> counts = partition_counts(lambda, p, m_quantum);
  m_idx32.resize(static_cast<std::size_t>(batch.count));
  for (Index i = 0; i < batch.count; ++i)
    m_idx32[static_cast<std::size_t>(i)] = static_cast<int>(batch.index[i]);
  // Non-blocking point-to-point sends, so the leader starts on its own share
  // at once; with a single-copy transport (CMA, XPMEM, RDMA) the workers pull
  // their data while the leader computes.
  m_headers.resize(static_cast<std::size_t>(kHeaderSize * p));
  std::vector<MPI_Request> sends;
  sends.reserve(static_cast<std::size_t>(3 * (p - 1)));
  std::vector<int> fit_counts(static_cast<std::size_t>(p)), fit_displs(static_cast<std::size_t>(p));
  long long payload_bytes = 0;
  Index start = 0;
  for (int r = 0; r < p; ++r) {
    const Index c = counts[static_cast<std::size_t>(r)];
    fit_counts[static_cast<std::size_t>(r)] = static_cast<int>(c);
    fit_displs[static_cast<std::size_t>(r)] = static_cast<int>(start);
    if (r > 0) {
      std::int64_t* h = &m_headers[static_cast<std::size_t>(kHeaderSize * r)];
      h[0] = command;
      h[1] = n;
      h[2] = batch.count;
      h[3] = c;
      h[4] = start;
      h[5] = lambda;
      h[6] = extra;
      h[7] = 0;
      const auto [data, count] = payload(start, c);
      MPI_Request q[3];
      check(MPI_Isend(h, kHeaderSize, MPI_INT64_T, r, kTagHeader, comm, &q[0]),
            "MPI_Isend(header)");
      check(MPI_Isend(m_idx32.data(), static_cast<int>(batch.count), MPI_INT, r, kTagBatch, comm,
                      &q[1]),
            "MPI_Isend(batch)");
      check(MPI_Isend(data, static_cast<int>(count), MPI_DOUBLE, r, kTagColumns, comm, &q[2]),
            "MPI_Isend(payload)");
      sends.insert(sends.end(), q, q + 3);
      payload_bytes += static_cast<long long>(count) * 8;
    }
    start += c;
  }

  const Index own = counts[0];
  Vector all(lambda);
  const auto t1 = std::chrono::steady_clock::now();
  if (own > 0) local(own, all.head(own));
  const auto t2 = std::chrono::steady_clock::now();
  check(MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE),
        "MPI_Waitall(sends)");
  // Non-blocking so that world rank 0 notices a worker's error report while
  // it waits (the worker would otherwise report it itself after ~2 s).
  MPI_Request req;
  check(MPI_Igatherv(MPI_IN_PLACE, 0, MPI_DOUBLE, all.data(), fit_counts.data(), fit_displs.data(),
                     MPI_DOUBLE, 0, comm, &req),
        "MPI_Igatherv(fitness)");
  int done = 0;
  while (!done) {
    check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), "MPI_Test(fitness)");
    if (!done) detail::poll_remote_errors();
  }
  fitness = all;

  ++m_traffic.generations;
  m_traffic.bytes_sent +=
      static_cast<long long>(p - 1) * (kHeaderSize * 8 + static_cast<long long>(batch.count) * 4);
  m_traffic.bytes_sent += payload_bytes;
  m_traffic.bytes_received += static_cast<long long>(lambda - own) * 8;
  const auto t3 = std::chrono::steady_clock::now();
  m_traffic.seconds += std::chrono::duration<double>(t3 - t0).count();
  m_traffic.seconds_send += std::chrono::duration<double>(t1 - t0).count();
  m_traffic.seconds_local += std::chrono::duration<double>(t2 - t1).count();
  m_traffic.seconds_wait += std::chrono::duration<double>(t3 - t2).count();
#else
  (void)command, (void)n, (void)lambda, (void)batch, (void)extra, (void)payload, (void)local;
  (void)fitness, (void)t0;
#endif
  if (m_after) m_after();
}

void MpiPopulationEvaluator::release_workers() {
  if (m_released) return;
  m_released = true;
#ifdef NEUROCMA_HAVE_MPI
  if (m_group.size() == 1) return;
  const std::int64_t header[kHeaderSize] = {kQuit, 0, 0, 0, 0, 0, 0, 0};
  for (int r = 1; r < m_group.size(); ++r)
    check(MPI_Send(header, kHeaderSize, MPI_INT64_T, r, kTagHeader, m_group.impl().comm),
          "MPI_Send(quit)");
#endif
}

void serve_evaluations(RankGroup& group, PopulationEvaluator& local, const Dataset* data) {
  if (group.is_leader()) return;
#ifdef NEUROCMA_HAVE_MPI
  MPI_Comm comm = group.impl().comm;
  std::vector<int> idx32;
  std::vector<Index> idx;
  Matrix cand;
  Vector fit;
  std::vector<double> payload;
  GaussianRecipe recipe;
  RecipeGeneration generation(recipe);  // reused: its scratch is allocated once
  detail::Backoff backoff(50000);       // generations follow each other within ms
  for (;;) {
    std::int64_t header[kHeaderSize] = {0, 0, 0, 0, 0, 0, 0, 0};
    MPI_Request req;
    check(MPI_Irecv(header, kHeaderSize, MPI_INT64_T, 0, kTagHeader, comm, &req),
          "MPI_Irecv(header)");
    int done = 0;
    backoff.reset();
    while (!done) {
      check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), "MPI_Test(header)");
      if (!done) backoff.pause();
    }
    if (header[0] == kQuit) return;
    if (header[0] != kEval && header[0] != kEvalRecipe)
      throw RuntimeError("MPI evaluator: unknown command from the leader");
    detail::maybe_inject_fault(group.world_rank(), "evaluating candidates");
    const Index n = header[1], count = header[2], mine = header[3];
    idx32.resize(static_cast<std::size_t>(count));
    check(MPI_Recv(idx32.data(), static_cast<int>(count), MPI_INT, 0, kTagBatch, comm,
                   MPI_STATUS_IGNORE),
          "MPI_Recv(batch)");
    if (header[0] == kEval) {
      cand.resize(n, mine);
      check(MPI_Recv(cand.data(), static_cast<int>(n * mine), MPI_DOUBLE, 0, kTagColumns, comm,
                     MPI_STATUS_IGNORE),
            "MPI_Recv(candidates)");
    } else {
      payload.resize(static_cast<std::size_t>(2 * n + 2));
      check(MPI_Recv(payload.data(), static_cast<int>(2 * n + 2), MPI_DOUBLE, 0, kTagColumns, comm,
                     MPI_STATUS_IGNORE),
            "MPI_Recv(recipe)");
      std::memcpy(&recipe.seed, &payload[0], sizeof(double));
      recipe.sigma = payload[1];
      recipe.lambda = header[5];
      recipe.mirror_from = header[6];
      recipe.mean = Eigen::Map<const Vector>(payload.data() + 2, n);
      recipe.scale = Eigen::Map<const Vector>(payload.data() + 2 + n, n);
    }
    fit.resize(mine);
    if (mine > 0) {
      if (data == nullptr) throw RuntimeError("MPI evaluator: worker has no data set");
      idx.assign(idx32.begin(), idx32.end());
      Batch batch{data, idx.data(), count};
      if (header[0] == kEval) {
        local.evaluate(cand, batch, fit);
      } else {
        local.evaluate_columns(generation, header[4], header[4] + mine, batch, fit);
      }
    }
    MPI_Request greq;
    check(MPI_Igatherv(fit.data(), static_cast<int>(mine), MPI_DOUBLE, nullptr, nullptr, nullptr,
                       MPI_DOUBLE, 0, comm, &greq),
          "MPI_Igatherv(fitness)");
    check(MPI_Wait(&greq, MPI_STATUS_IGNORE), "MPI_Wait(fitness)");
  }
#else
  (void)local;
  (void)data;
#endif
}

}  // namespace neurocma

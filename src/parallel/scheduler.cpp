// Dynamic job scheduling over rank groups (see docs/parallel.md).
//
// Rank 0 is the master and also leader of group 0. Other leaders send a
// "report" (the finished record, or nothing for the first request) and wait
// for an "assign" (a job or stop). Rank 0 answers whenever it polls: between
// its own jobs, after every generation of its own population jobs and in
// scheduler_poll(). No threads: every MPI call is on the main thread.
#include "neurocma/parallel/scheduler.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>
#include <sstream>

#include "internal.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/core/signals.hpp"
#include "neurocma/io/serialize.hpp"
#include "neurocma/parallel/mpi_evaluator.hpp"

#ifdef NEUROCMA_HAVE_MPI
#include <mpi.h>
#endif

namespace neurocma {

namespace {

void pack(const JobSpec& job, std::vector<char>& out) {
  ByteWriter w(out);
  w.put<std::int32_t>(job.optimizer);
  w.put<std::int32_t>(job.run);
  w.put<std::uint8_t>(job.population ? 1 : 0);
  w.put_string(job.payload);
}

JobSpec unpack_job(const std::vector<char>& in, std::size_t& pos) {
  ByteReader rd(in, pos, "MPI message");
  JobSpec job;
  job.optimizer = rd.get<std::int32_t>();
  job.run = rd.get<std::int32_t>();
  job.population = rd.get<std::uint8_t>() != 0;
  job.payload = rd.get_string();
  return job;
}

}  // namespace
namespace {

constexpr int kTagReport = 201;
constexpr int kTagAssign = 202;

template <typename T>
void put_raw(std::vector<char>& out, const T& v) {
  const char* p = reinterpret_cast<const char*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}
template <typename T>
T get_raw(const std::vector<char>& in, std::size_t& pos) {
  if (pos + sizeof(T) > in.size()) throw RuntimeError("MPI message: truncated scheduler message");
  T v;
  std::memcpy(&v, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return v;
}

#ifdef NEUROCMA_HAVE_MPI
void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw RuntimeError(std::string("MPI call failed: ") + what);
}
#endif

// Where rank 0 gets jobs from. `refills` = may offer jobs again after
// having none (tune), so idle leaders wait instead of being stopped.
struct JobSource {
  std::function<bool(JobSpec&, bool for_root)> next;
  bool refills = false;
};

class Master;
Master* g_master = nullptr;  // the active scheduler on rank 0 (for scheduler_poll)

// Rank 0's bookkeeping.
class Master {
 public:
  Master(const ParallelContext& ctx, int groups, JobSource source, const ResultFunction& on_result
#ifdef NEUROCMA_HAVE_MPI
         ,
         MPI_Comm comm
#endif
         )
      : m_ctx(ctx),
        m_groups(groups),
        m_source(std::move(source)),
        m_on_result(on_result)
#ifdef NEUROCMA_HAVE_MPI
        ,
        m_comm(comm)
#endif
  {
  }

  // Answers pending requests. Safe to call from inside rank 0's own job.
  void service() {
    if (m_in_service || m_ctx.size() == 1) return;
    m_in_service = true;
    try {
      m_ctx.check_remote_errors();
#ifdef NEUROCMA_HAVE_MPI
      for (;;) {
        int flag = 0;
        MPI_Status st;
        check(MPI_Iprobe(MPI_ANY_SOURCE, kTagReport, m_comm, &flag, &st), "MPI_Iprobe");
        if (!flag) break;
        int count = 0;
        MPI_Get_count(&st, MPI_CHAR, &count);
        std::vector<char> buf(static_cast<std::size_t>(count));
        check(MPI_Recv(buf.data(), count, MPI_CHAR, st.MPI_SOURCE, kTagReport, m_comm,
                       MPI_STATUS_IGNORE),
              "MPI_Recv(report)");
        std::size_t pos = 0;
        if (get_raw<std::uint8_t>(buf, pos) != 0) {
          const long long id = get_raw<std::int64_t>(buf, pos);
          RunRecord rec = unpack_record(buf, pos);
          complete(id, rec);
        }
        m_parked.push_back(st.MPI_SOURCE);
      }
      assign_parked();
#endif
    } catch (...) {
      m_in_service = false;
      throw;
    }
    m_in_service = false;
  }

  // A job for rank 0 itself.
  bool take_own(JobSpec& job, long long& id) {
    return take(job, id, true);
  }

  // Record of a finished job (rank 0's own or received).
  void complete(long long id, const RunRecord& rec) {
    auto it = m_in_flight.find(id);
    if (it == m_in_flight.end()) throw RuntimeError("scheduler: result for an unknown job");
    const JobSpec job = it->second;
    m_in_flight.erase(it);
    if (!interrupted()) m_on_result(job, rec);
  }

  // Nothing left to hand out now or later.
  bool finished() {
    if (interrupted()) return true;
    if (m_source_empty && (!m_source.refills || m_in_flight.empty())) return true;
    return false;
  }
  bool all_leaders_stopped() const {
    return m_stopped == m_groups - 1;
  }

 private:
  bool take(JobSpec& job, long long& id, bool root) {
    if (interrupted()) return false;
    if (m_source.next(job, root)) {
      id = m_next_id++;
      m_in_flight[id] = job;
      m_source_empty = false;
      return true;
    }
    m_source_empty = true;
    return false;
  }

#ifdef NEUROCMA_HAVE_MPI
  void assign_parked() {
    while (!m_parked.empty()) {
      const int leader = m_parked.front();
      JobSpec job;
      long long id = -1;
      std::vector<char> msg;
      if (take(job, id, false)) {
        put_raw<std::uint8_t>(msg, 0);
        put_raw<std::int64_t>(msg, id);
        pack(job, msg);
      } else if (finished()) {
        put_raw<std::uint8_t>(msg, 1);
        ++m_stopped;
      } else {
        return;  // wait for a result that may let the source refill
      }
      check(
          MPI_Send(msg.data(), static_cast<int>(msg.size()), MPI_CHAR, leader, kTagAssign, m_comm),
          "MPI_Send(assign)");
      m_parked.pop_front();
    }
  }
#endif

  const ParallelContext& m_ctx;
  int m_groups;
  JobSource m_source;
  const ResultFunction& m_on_result;
#ifdef NEUROCMA_HAVE_MPI
  MPI_Comm m_comm;
#endif
  std::map<long long, JobSpec> m_in_flight;
  std::deque<int> m_parked;
  long long m_next_id = 0;
  int m_stopped = 0;
  bool m_source_empty = false;
  bool m_in_service = false;
};

// NEUROCMA_MPI_STATS=1: each leader prints its evaluation traffic at the end.
void print_stats(const RankGroup& group, const MpiPopulationEvaluator& ev, int jobs) {
  if (!std::getenv("NEUROCMA_MPI_STATS")) return;
  const EvalTraffic& t = ev.traffic();
  std::ostringstream os;  // one write, so lines of several ranks do not interleave
  os << "neurocma: mpi: group " << group.index() << "/" << group.count() << " leader rank "
     << group.world_rank() << " size " << group.size() << ": jobs " << jobs
     << ", distributed generations " << t.generations << ", bytes/generation "
     << static_cast<long long>(t.bytes_per_generation()) << " (sent " << t.bytes_sent
     << ", received " << t.bytes_received << "), evaluate() calls " << t.evaluations
     << ", seconds in evaluate() " << t.seconds << " (send " << t.seconds_send << ", own share "
     << t.seconds_local << ", wait " << t.seconds_wait << ")\n";
  std::cerr << os.str() << std::flush;
}

void run_schedule(ParallelContext& ctx, const ScheduleOptions& opt, int ranks_per_run,
                  const EvaluatorFactory& make_evaluator, JobSource source, const JobFunction& job,
                  const ResultFunction& on_result) {
  RankGroup group(ctx, ranks_per_run);
  const Index quantum = opt.quantum > 0 ? opt.quantum : 8;
#ifdef NEUROCMA_HAVE_MPI
  MPI_Comm comm = MPI_COMM_NULL;
  if (ctx.size() > 1) check(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "MPI_Comm_dup");
  struct CommGuard {
    MPI_Comm& c;
    ~CommGuard() {
      int fin = 0;
      MPI_Finalized(&fin);
      if (!fin && c != MPI_COMM_NULL) MPI_Comm_free(&c);
    }
  } guard{comm};
#endif

  std::unique_ptr<PopulationEvaluator> local = make_evaluator();
  if (!group.is_leader()) {
    serve_evaluations(group, *local, opt.data);
    return;
  }
  MpiPopulationEvaluator evaluator(group, std::move(local), opt.data, quantum);

  if (ctx.is_root()) {
    Master master(ctx, group.count(), std::move(source), on_result
#ifdef NEUROCMA_HAVE_MPI
                  ,
                  comm
#endif
    );
    g_master = &master;
    struct Reset {
      ~Reset() { g_master = nullptr; }
    } reset;
    evaluator.set_after_generation([] { scheduler_poll(); });
    detail::Backoff backoff;
    bool root_done = false;
    int own_jobs = 0;
    for (;;) {
      master.service();
      if (!root_done) {
        JobSpec j;
        long long id = -1;
        if (master.take_own(j, id)) {
          detail::maybe_inject_fault(ctx.rank(), "starting a job");
          const RunRecord rec = job(j, evaluator);
          ++own_jobs;
          master.complete(id, rec);
          backoff.reset();
          continue;
        }
        if (master.finished()) root_done = true;
      }
      if (root_done && master.all_leaders_stopped()) break;
      backoff.pause();
    }
    evaluator.release_workers();
    print_stats(group, evaluator, own_jobs);
    return;
  }

#ifdef NEUROCMA_HAVE_MPI
  // Other leaders: report, wait for an assignment, train, repeat.
  std::vector<char> report;
  put_raw<std::uint8_t>(report, 0);
  detail::Backoff backoff;
  int own_jobs = 0;
  for (;;) {
    MPI_Request req;
    check(MPI_Isend(report.data(), static_cast<int>(report.size()), MPI_CHAR, 0, kTagReport, comm,
                    &req),
          "MPI_Isend(report)");
    int flag = 0;
    MPI_Status st;
    backoff.reset();
    for (;;) {
      check(MPI_Iprobe(0, kTagAssign, comm, &flag, &st), "MPI_Iprobe(assign)");
      if (flag) break;
      backoff.pause();
    }
    int count = 0;
    MPI_Get_count(&st, MPI_CHAR, &count);
    std::vector<char> msg(static_cast<std::size_t>(count));
    check(MPI_Recv(msg.data(), count, MPI_CHAR, 0, kTagAssign, comm, MPI_STATUS_IGNORE),
          "MPI_Recv(assign)");
    check(MPI_Wait(&req, MPI_STATUS_IGNORE), "MPI_Wait(report)");
    std::size_t pos = 0;
    if (get_raw<std::uint8_t>(msg, pos) != 0) break;
    const long long id = get_raw<std::int64_t>(msg, pos);
    const JobSpec j = unpack_job(msg, pos);
    detail::maybe_inject_fault(ctx.rank(), "starting a job");
    const RunRecord rec = job(j, evaluator);
    ++own_jobs;
    report.clear();
    put_raw<std::uint8_t>(report, 1);
    put_raw<std::int64_t>(report, id);
    pack(rec, report);
  }
  evaluator.release_workers();
  print_stats(group, evaluator, own_jobs);
#endif
}

// Runs `body`; on several ranks any exception ends the whole job with one
// message instead of leaving the other ranks waiting.
template <typename F>
void guarded(ParallelContext& ctx, F&& body) {
  if (ctx.size() == 1) {
    body();
    return;
  }
  try {
    body();
  } catch (const ConfigError& e) {
    ctx.fail(kExitUsage, e.what());
  } catch (const std::exception& e) {
    ctx.fail(kExitRuntime, e.what());
  }
}

int resolve_group_size(const ParallelContext& ctx, const ScheduleOptions& opt, int jobs) {
  if (opt.ranks_per_run < 0)
    throw ConfigError("--ranks-per-run " + std::to_string(opt.ranks_per_run) +
                      ": expected 0 (auto) or a number >= 1");
  const int g = opt.ranks_per_run > 0 ? opt.ranks_per_run : default_ranks_per_run(ctx.size(), jobs);
  return std::min(g, ctx.size());
}

}  // namespace

int default_ranks_per_run(int world_size, int jobs) {
  if (jobs <= 0 || jobs >= world_size) return 1;
  return std::max(1, world_size / jobs);
}

void scheduler_poll() {
  if (g_master) g_master->service();
}

void execute_jobs(ParallelContext& ctx, const std::vector<JobSpec>& jobs,
                  const ScheduleOptions& opt, const EvaluatorFactory& make_evaluator,
                  const JobFunction& job, const ResultFunction& on_result) {
  guarded(ctx, [&] {
    int population = 0;
    for (const JobSpec& j : jobs) population += j.population ? 1 : 0;
    // Population (CMA-ES) jobs are the long ones: hand them out first, and
    // rank 0 prefers them because it polls after each of their generations.
    auto pop = std::make_shared<std::deque<JobSpec>>();
    auto grad = std::make_shared<std::deque<JobSpec>>();
    if (ctx.is_root())
      for (const JobSpec& j : jobs) (j.population ? pop : grad)->push_back(j);
    JobSource source;
    source.refills = false;
    source.next = [pop, grad](JobSpec& j, bool) {
      std::deque<JobSpec>& q = !pop->empty() ? *pop : *grad;
      if (q.empty()) return false;
      j = q.front();
      q.pop_front();
      return true;
    };
    const int g = resolve_group_size(ctx, opt, population > 0 ? static_cast<int>(jobs.size()) : -1);
    run_schedule(ctx, opt, g, make_evaluator, std::move(source), job, on_result);
  });
}

void execute_dynamic(ParallelContext& ctx, const ScheduleOptions& opt,
                     const EvaluatorFactory& make_evaluator, const NextJobFunction& next,
                     const JobFunction& job, const ResultFunction& on_result) {
  guarded(ctx, [&] {
    JobSource source;
    source.refills = true;
    source.next = [&next](JobSpec& j, bool) { return next(j); };
    run_schedule(ctx, opt, resolve_group_size(ctx, opt, 0), make_evaluator, std::move(source), job,
                 on_result);
  });
}

}  // namespace neurocma

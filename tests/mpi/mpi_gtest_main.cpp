// GoogleTest main for MPI tests: every rank runs every test; only rank 0
// prints the usual report, other ranks print their failures with a rank
// prefix. After each test the pass/fail flag is reduced over all ranks, and
// the exit code is non-zero when any rank failed anything.
#include <gtest/gtest.h>
#include <mpi.h>

#include <iostream>

#include "neurocma/parallel/context.hpp"

namespace {

class RankFailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : m_rank(rank) {}
  void OnTestPartResult(const testing::TestPartResult& r) override {
    if (r.failed())
      std::cerr << "[rank " << m_rank << "] " << (r.file_name() ? r.file_name() : "?") << ":"
                << r.line_number() << ": " << r.summary() << "\n";
  }

 private:
  int m_rank;
};

// Keeps the ranks in step and tells rank 0 when a test failed elsewhere.
class RankReducer : public testing::EmptyTestEventListener {
 public:
  explicit RankReducer(int rank) : m_rank(rank) {}
  void OnTestEnd(const testing::TestInfo& info) override {
    int mine = info.result()->Failed() ? 1 : 0, any = 0, lowest = 0;
    MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    int who = mine ? m_rank : 1 << 30;
    MPI_Allreduce(&who, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (any) m_failed = true;
    if (m_rank == 0 && any && !mine)
      std::cout << "[  FAILED  ] " << info.test_suite_name() << "." << info.name()
                << " failed on rank " << lowest << " (see its output above)\n";
  }
  bool failed() const { return m_failed; }

 private:
  int m_rank;
  bool m_failed = false;
};

}  // namespace

int main(int argc, char** argv) {
  neurocma::ParallelContext ctx(&argc, &argv);
  testing::InitGoogleTest(&argc, argv);
  testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
  if (!ctx.is_root()) {
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(ctx.rank()));
  }
  auto* reducer = new RankReducer(ctx.rank());
  listeners.Append(reducer);
  const int local = RUN_ALL_TESTS();
  int mine = (local != 0 || reducer->failed()) ? 1 : 0, any = 0;
  MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any ? 1 : 0;
}

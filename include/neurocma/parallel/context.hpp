// The process's place in the MPI world. No <mpi.h> here: without MPI (or
// without a launcher) everything runs as rank 0 of 1.
#pragma once
#include <string>

namespace neurocma {

class ParallelContext {
 public:
  // Initialises MPI when built with it (MPI_Init_thread, FUNNELED) and
  // duplicates MPI_COMM_WORLD into a private channel for error reports.
  ParallelContext(int* argc, char*** argv);
  ~ParallelContext();  // MPI_Finalize
  ParallelContext(const ParallelContext&) = delete;
  ParallelContext& operator=(const ParallelContext&) = delete;

  int rank() const { return m_rank; }
  int size() const { return m_size; }
  bool is_root() const { return m_rank == 0; }
  // Ends every rank at once (MPI_Abort when size > 1, else std::exit).
  // Files registered with remove_on_abort() are removed first.
  [[noreturn]] void abort(int code) const;
  // Reports a fatal error once and ends every rank with `code`. A non-root
  // rank forwards the message to rank 0, which prints it (when rank 0 does not
  // pick it up within ~2 s the rank prints it itself); then MPI_Abort.
  [[noreturn]] void fail(int code, const std::string& message) const;
  // On rank 0: if another rank reported an error through fail(), print it and
  // abort. Cheap (one MPI_Iprobe); the scheduler calls it while it waits.
  void check_remote_errors() const;

 private:
  int m_rank = 0;
  int m_size = 1;
  bool m_owns_mpi = false;
};

}  // namespace neurocma

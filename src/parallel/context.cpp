// MPI start-up and shutdown, and the fatal-error path: one message, every rank
// ends, no hang. Errors travel to rank 0 on a private duplicate of the world
// communicator so they never match the scheduler's or evaluator's messages.
#include "neurocma/parallel/context.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "internal.hpp"
#include "neurocma/core/signals.hpp"

#ifdef NEUROCMA_HAVE_MPI
#include <mpi.h>
#endif

namespace neurocma {

#ifdef NEUROCMA_HAVE_MPI
namespace {
MPI_Comm g_error_comm = MPI_COMM_NULL;
constexpr int kTagError = 9001;
}  // namespace
#endif

ParallelContext::ParallelContext(int* argc, char*** argv) {
#ifdef NEUROCMA_HAVE_MPI
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
      std::cerr << "neurocma: error: MPI_Init_thread failed\n";
      std::exit(1);
    }
    m_owns_mpi = true;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &m_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &m_size);
  if (g_error_comm == MPI_COMM_NULL) MPI_Comm_dup(MPI_COMM_WORLD, &g_error_comm);
  install_signal_handlers();
#else
  install_signal_handlers();
  (void)argc;
  (void)argv;
#endif
}

ParallelContext::~ParallelContext() {
#ifdef NEUROCMA_HAVE_MPI
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  if (!m_owns_mpi) return;
  if (g_error_comm != MPI_COMM_NULL) MPI_Comm_free(&g_error_comm);
  MPI_Finalize();
#endif
}

void ParallelContext::abort(int code) const {
  quiet_signals();
  remove_registered_files();
  std::cerr.flush();
#ifdef NEUROCMA_HAVE_MPI
  if (m_size > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

void ParallelContext::fail(int code, const std::string& message) const {
  quiet_signals();
#ifdef NEUROCMA_HAVE_MPI
  if (m_size > 1 && m_rank != 0 && g_error_comm != MPI_COMM_NULL) {
    // Synchronous send: completion means rank 0 has taken the message and
    // will print it and abort. Rank 0 may be stuck elsewhere, so give up
    // after a while and report locally.
    std::vector<char> buf(sizeof(std::int32_t) + message.size());
    const std::int32_t c = code;
    std::memcpy(buf.data(), &c, sizeof(c));
    std::memcpy(buf.data() + sizeof(c), message.data(), message.size());
    MPI_Request req;
    MPI_Issend(buf.data(), static_cast<int>(buf.size()), MPI_CHAR, 0, kTagError, g_error_comm,
               &req);
    const auto start = std::chrono::steady_clock::now();
    int done = 0;
    while (!done && std::chrono::steady_clock::now() - start < std::chrono::seconds(2)) {
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (done) {
      // Rank 0 aborts the job; wait for that, but never forever.
      std::this_thread::sleep_for(std::chrono::seconds(10));
    }
    // One write, so that mpirun's output forwarding cannot split the line.
    std::cerr << "neurocma: error: [rank " + std::to_string(m_rank) + "] " + message + "\n"
              << std::flush;
    abort(code);
  }
#endif
  std::cerr << "neurocma: error: " + message + "\n" << std::flush;
  abort(code);
}

void ParallelContext::check_remote_errors() const {
  detail::poll_remote_errors();
}

void detail::poll_remote_errors() {
#ifdef NEUROCMA_HAVE_MPI
  if (g_error_comm == MPI_COMM_NULL) return;
  int rank = 0, size = 1;
  MPI_Comm_rank(g_error_comm, &rank);
  MPI_Comm_size(g_error_comm, &size);
  if (size <= 1 || rank != 0) return;
  int flag = 0;
  MPI_Status st;
  MPI_Iprobe(MPI_ANY_SOURCE, kTagError, g_error_comm, &flag, &st);
  if (!flag) return;
  int count = 0;
  MPI_Get_count(&st, MPI_CHAR, &count);
  std::vector<char> buf(static_cast<std::size_t>(count));
  MPI_Recv(buf.data(), count, MPI_CHAR, st.MPI_SOURCE, kTagError, g_error_comm, MPI_STATUS_IGNORE);
  std::int32_t code = 1;
  std::string message = "(no message)";
  if (count >= static_cast<int>(sizeof(code))) {
    std::memcpy(&code, buf.data(), sizeof(code));
    message.assign(buf.data() + sizeof(code), buf.size() - sizeof(code));
  }
  std::cerr << "neurocma: error: [rank " << st.MPI_SOURCE << "] " << message << "\n";
  quiet_signals();
  remove_registered_files();
  std::cerr.flush();
  MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
#endif
}

}  // namespace neurocma

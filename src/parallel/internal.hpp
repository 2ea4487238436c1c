// Private helpers of the parallel layer (no <mpi.h>).
#pragma once
#include <chrono>
#include <thread>

namespace neurocma::detail {

// Waits politely: spins (yielding) for the first `spin_us` microseconds, for
// low latency between generations while the leader runs ask/tell, then
// sleeps with growing pauses of up to 2 ms so idle ranks leave the cores to
// the ranks that compute (e.g. workers while their leader trains SGD).
class Backoff {
 public:
  explicit Backoff(int spin_us = 1000) : m_spin_us(spin_us) {}
  void pause() {
    using namespace std::chrono;
    if (m_start == steady_clock::time_point{}) m_start = steady_clock::now();
    if (steady_clock::now() - m_start < microseconds(m_spin_us)) {
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(microseconds(m_sleep_us));
    if (m_sleep_us < 2000) m_sleep_us *= 2;
  }
  void reset() {
    m_start = {};
    m_sleep_us = 20;
  }

 private:
  std::chrono::steady_clock::time_point m_start{};
  int m_sleep_us = 20;
  int m_spin_us;
};

// Test hook: NEUROCMA_FAULT_INJECT=rank:N makes world rank N throw a
// RuntimeError when it starts a job or serves its first evaluation.
void maybe_inject_fault(int world_rank, const char* where);

// On world rank 0: if another rank reported a fatal error (ParallelContext::
// fail), print it, remove registered files and MPI_Abort. Else a no-op.
void poll_remote_errors();

}  // namespace neurocma::detail

#include "neurocma/app/callbacks.hpp"

#include "neurocma/app/checkpoint.hpp"
#include "neurocma/core/signals.hpp"
#include "neurocma/parallel/scheduler.hpp"

namespace neurocma {

bool SchedulerPoll::interrupt() {
  scheduler_poll();
  return interrupted();
}

bool JobCheckpoint::save_due(bool epoch_end, int epochs_done) {
  if (interrupted()) return true;  // [mpi] SIGTERM/SIGUSR1: save, then stop
  if (epoch_end && m_policy.every_epochs > 0 && epochs_done % m_policy.every_epochs == 0)
    return true;
  return m_policy.every_minutes > 0 &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - m_last_save).count() >=
             60.0 * m_policy.every_minutes;
}

void JobCheckpoint::save(const TrainState& st) {
  write_job_checkpoint(m_path, m_identity, m_optimizer, m_run, st);
  m_last_save = std::chrono::steady_clock::now();
}

}  // namespace neurocma

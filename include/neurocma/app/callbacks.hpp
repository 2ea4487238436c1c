// Training-loop callbacks of the run and tune studies: the scheduler's poll
// point and signals, and job checkpoints.
#pragma once
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "neurocma/app/config.hpp"
#include "neurocma/train/callbacks.hpp"

namespace neurocma {

// After every mini-batch and epoch: rank 0 answers the other groups' requests
// (job hand-out, results) even inside a long gradient run; a signal
// (SIGTERM, SIGUSR1, SIGINT) interrupts the run.
class SchedulerPoll : public TrainCallback {
 public:
  bool interrupt() override;
};

// Writes the job's state to `path` after every K-th epoch, at the first
// mini-batch boundary T minutes after the last save, and when a signal
// arrived (the run then stops: a stop always follows a save).
class JobCheckpoint : public TrainCallback {
 public:
  JobCheckpoint(std::string path, const nlohmann::json& identity, std::string optimizer, int run,
                const CheckpointConfig& policy)
      : m_path(std::move(path)),
        m_identity(identity),
        m_optimizer(std::move(optimizer)),
        m_run(run),
        m_policy(policy),
        m_last_save(std::chrono::steady_clock::now()) {}
  bool save_due(bool epoch_end, int epochs_done) override;
  void save(const TrainState& st) override;

 private:
  std::string m_path;
  const nlohmann::json& m_identity;
  std::string m_optimizer;
  int m_run;
  CheckpointConfig m_policy;
  std::chrono::steady_clock::time_point m_last_save;
};

}  // namespace neurocma

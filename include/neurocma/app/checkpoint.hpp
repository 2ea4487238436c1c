// Checkpoint files of `neurocma run` (format and policy: docs/checkpoint.md).
//
// A results file OUT/NAME.h5 has its checkpoints in the directory
// OUT/NAME.h5.ckpt/:
//   finished.ckpt            the complete records of every finished job
//                            (written by world rank 0 when a job finishes)
//   job-<optimizer>-<run>.ckpt  the TrainState of a job in progress
//                            (written by the leader of the group training it)
// Every file is written to a temporary name and renamed, carries a checksum
// of its contents, the neurocma version that wrote it and the identity of the
// experiment (config and job list). A file that fails any of these checks is
// refused with a one-line error naming it.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "neurocma/app/config.hpp"
#include "neurocma/io/results.hpp"
#include "neurocma/parallel/scheduler.hpp"
#include "neurocma/train/trainer.hpp"

namespace neurocma {

// What a checkpoint must match to be resumed: the resolved config without the
// fields that cannot change the numbers (output and data directories, the
// checkpoint policy, tune search spaces) plus the (optimizer, run) jobs.
nlohmann::json checkpoint_identity(const ExperimentConfig& cfg, const std::vector<JobSpec>& jobs);

// OUT/NAME.h5 -> OUT/NAME.h5.ckpt
std::string checkpoint_dir(const std::string& results_path);
std::string finished_checkpoint_path(const std::string& dir);
std::string job_checkpoint_path(const std::string& dir, const std::string& optimizer, int run);

// Writes the finished records atomically.
void write_finished_checkpoint(const std::string& dir, const nlohmann::json& identity,
                               const std::vector<RunRecord>& finished);
// The finished records; empty when the file does not exist. Throws
// ConfigError for another experiment or neurocma version, RuntimeError for a
// corrupt file.
std::vector<RunRecord> read_finished_checkpoint(const std::string& dir,
                                                const nlohmann::json& identity);

// Writes one job's state atomically.
void write_job_checkpoint(const std::string& path, const nlohmann::json& identity,
                          const std::string& optimizer, int run, const TrainState& state);
// Reads one job's state into `state`; false when the file does not exist.
// Errors as read_finished_checkpoint(), also when the file belongs to another job.
bool read_job_checkpoint(const std::string& path, const nlohmann::json& identity,
                         const std::string& optimizer, int run, TrainState& state);

// Checks the state file of every job in `jobs` (named by `optimizer_names`)
// that has one, so that a bad file is reported before any training.
void validate_job_checkpoints(const std::string& dir, const nlohmann::json& identity,
                              const std::vector<JobSpec>& jobs,
                              const std::vector<std::string>& optimizer_names);

// 64-bit checksum of a buffer (word-wise multiply-xorshift; detects
// truncation and bit rot, not tampering).
std::uint64_t checksum64(const char* data, std::size_t size);

}  // namespace neurocma

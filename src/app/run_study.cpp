// neurocma run CONFIG: N seeded runs per optimizer, one HDF5 results file.
#include "neurocma/app/run_study.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <set>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "neurocma/app/callbacks.hpp"
#include "neurocma/app/checkpoint.hpp"
#include "neurocma/app/config.hpp"
#include "neurocma/app/experiment.hpp"
#include "neurocma/app/run_report.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/core/signals.hpp"
#include "neurocma/core/terminal.hpp"
#include "neurocma/io/data_loader.hpp"
#include "neurocma/io/results.hpp"
#include "neurocma/parallel/mpi_evaluator.hpp"
#include "neurocma/parallel/scheduler.hpp"

namespace neurocma {
namespace {

// Creates DIR if needed and checks that a file can be written there.
void check_output_dir(const std::string& dir, const std::string& option) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || access(dir.c_str(), W_OK) != 0)
    throw ConfigError(option + " '" + dir + "': cannot create or write this directory");
}

std::pair<int, int> parse_range(const std::string& s, int runs) {
  if (s.empty()) return {0, runs};
  const size_t colon = s.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument(s);
    const int a = std::stoi(s.substr(0, colon));
    const int b = std::stoi(s.substr(colon + 1));
    if (a < 0 || b <= a) throw std::invalid_argument(s);
    return {a, b};
  } catch (const std::exception&) {
    throw ConfigError("--run-range '" + s + "': expected A:B with 0 <= A < B");
  }
}

// The longest file name the file system holding `dir` accepts.
long name_max(const std::string& dir) {
  const long n = pathconf(dir.empty() ? "." : dir.c_str(), _PC_NAME_MAX);
  return n > 0 ? n : 255;
}

// Every file a run creates beside its results file (the checkpoints, the
// lock, the study CSVs) must be nameable before the training starts, not at
// the first checkpoint hours later.
void check_file_names(const std::string& path, const std::string& option,
                      const std::vector<std::string>& created, const std::string& csv_dir,
                      const std::vector<std::string>& csv_files) {
  namespace fs = std::filesystem;
  auto check = [](const std::string& dir, const std::string& name, const std::string& opt,
                  const std::string& given) {
    const long max = name_max(dir);
    if (static_cast<long>(name.size()) > max)
      throw ConfigError(opt + " '" + given + "': the file name '" + name.substr(0, 40) +
                        "...' it needs is " + std::to_string(name.size()) +
                        " characters; this file system allows at most " + std::to_string(max));
  };
  const std::string dir = fs::path(path).parent_path().string();
  for (const std::string& name : created) check(dir, name, option, path);
  for (const std::string& name : csv_files) check(csv_dir, name, "--csv", csv_dir);
  if (path.size() + 64 > PATH_MAX)
    throw ConfigError(option + " '" + path.substr(0, 40) + "...': a path of " +
                      std::to_string(path.size()) + " characters; expected fewer than " +
                      std::to_string(PATH_MAX - 64));
}

// True when `path` is a complete results file holding exactly the runs `want`
// (optimizer name, run index): a --resume of a finished job has nothing to do.
bool holds_exactly(const std::string& path, const std::set<std::pair<std::string, int>>& want) {
  try {
    std::set<std::pair<std::string, int>> have;
    for (const RunRecord& r : read_results(path)) have.insert({r.optimizer, r.run_index});
    return have == want;
  } catch (const std::exception&) {
    return false;
  }
}

// Refuses, before any training, to replace what is not ours to replace: a
// directory, a file that is not a neurocma results file, or (without
// --overwrite) an earlier results file.
void check_results_path(const std::string& path, const std::string& option, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) return;
  if (fs::is_directory(st))
    throw ConfigError(option + " '" + path +
                      "': is a directory; expected the path of a results file (.h5)");
  try {
    read_results(path);
  } catch (const std::exception&) {
    throw ConfigError(option + " '" + path +
                      "': exists and is not a neurocma results file; refusing to replace it");
  }
  if (!overwrite)
    throw ConfigError("results file '" + path +
                      "' exists; pass --overwrite to replace it, or choose another --out");
}

// An exclusive lock on OUT.h5.lock for the life of the run, so that a second
// run aimed at the same results file is refused before it touches the first
// one's checkpoint. flock() locks die with the process, kill -9 included.
class OutputLock {
 public:
  explicit OutputLock(const std::string& results_path) : m_path(results_path + ".lock") {
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0)
      throw RuntimeError(m_path + ": cannot create the lock file: " + std::strerror(errno));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(m_fd);
      throw ConfigError("results file '" + results_path +
                        "' is being written by another neurocma run (it holds " + m_path +
                        "); wait for it, or choose another --out");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(m_fd, 0) == 0 && ::write(m_fd, pid.data(), pid.size()) < 0) {
      // The pid is informative only.
    }
  }
  ~OutputLock() {
    ::unlink(m_path.c_str());
    ::close(m_fd);
  }
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string m_path;
  int m_fd = -1;
};

}  // namespace

int run_study(const RunStudyOptions& args, ParallelContext& ctx) {
  ExperimentConfig cfg = load_config(args.config);
  if (args.corrected) apply_corrected_semantics(cfg);
  if (args.runs) {
    if (*args.runs < 1)
      throw ConfigError("--runs " + std::to_string(*args.runs) + ": expected a number >= 1");
    cfg.runs = *args.runs;
  }
  if (!args.out.empty()) cfg.out_dir = args.out;
  if (args.seed) cfg.seed = *args.seed;
  if (!args.data_dir.empty()) cfg.dataset.data_dir = args.data_dir;
  if (args.checkpoint_epochs) {
    if (*args.checkpoint_epochs < 0)
      throw ConfigError("--checkpoint-every-epochs " + std::to_string(*args.checkpoint_epochs) +
                        ": expected 0 (off) or a number of epochs >= 1");
    cfg.checkpoint.every_epochs = *args.checkpoint_epochs;
  }
  if (args.checkpoint_minutes) {
    if (!(*args.checkpoint_minutes >= 0)) {
      std::ostringstream v;
      v << *args.checkpoint_minutes;
      throw ConfigError("--checkpoint-every-minutes " + v.str() +
                        ": expected 0 (off) or a positive number of minutes");
    }
    cfg.checkpoint.every_minutes = *args.checkpoint_minutes;
  }
  cfg.resolved = to_json(cfg);

  std::vector<int> chosen;
  for (size_t k = 0; k < args.only_optimizers.size(); ++k) {
    const std::string& name = args.only_optimizers[k];
    for (size_t m = 0; m < k; ++m)
      if (args.only_optimizers[m] == name)
        throw ConfigError("--optimizer '" + name + "': given twice; expected each optimizer once");
    bool found = false;
    for (size_t i = 0; i < cfg.optimizers.size(); ++i)
      if (cfg.optimizers[i].name == name) {
        chosen.push_back(static_cast<int>(i));
        found = true;
      }
    if (!found) throw ConfigError("--optimizer '" + name + "': not in " + args.config);
  }
  if (chosen.empty())
    for (size_t i = 0; i < cfg.optimizers.size(); ++i) chosen.push_back(static_cast<int>(i));
  const auto [first_run, end_run] = parse_range(args.run_range, cfg.runs);

  // Output location first, so a bad directory fails before any training.
  std::string path = args.result_file;
  if (path.empty()) {
    std::string stem = cfg.name;
    if (!args.only_optimizers.empty())
      for (int i : chosen) stem += "." + cfg.optimizers[static_cast<size_t>(i)].name;
    if (!args.run_range.empty())
      stem += ".runs" + std::to_string(first_run) + "-" + std::to_string(end_run - 1);
    path = cfg.out_dir + "/" + stem + ".h5";
  }
  const std::string out_dir = std::filesystem::path(path).parent_path().string();
  const std::string path_option = args.result_file.empty() ? "--out" : "--result-file";
  std::set<std::pair<std::string, int>> wanted;
  for (int r = first_run; r < end_run; ++r)
    for (int oi : chosen) wanted.insert({cfg.optimizers[static_cast<size_t>(oi)].name, r});
  // Every rank decides this alike, from the same file.
  const bool already_done = args.resume && !args.overwrite && holds_exactly(path, wanted);
  std::unique_ptr<OutputLock> lock;
  if (ctx.is_root()) {
    check_output_dir(out_dir.empty() ? "." : out_dir, path_option);
    if (!args.csv_dir.empty()) check_output_dir(args.csv_dir, "--csv");
    std::vector<std::string> created;
    const std::string base = std::filesystem::path(path).filename().string();
    for (const char* suffix : {".partial", ".lock", ".ckpt"}) created.push_back(base + suffix);
    std::vector<std::string> csv_files;
    for (int oi : chosen) {
      const std::string& name = cfg.optimizers[static_cast<size_t>(oi)].name;
      // The longest job checkpoint name, checked as if it lay beside the results file.
      created.push_back("job-" + name + "-" + std::to_string(end_run - 1) + ".ckpt.tmp");
      csv_files.push_back(cfg.dataset.name + "." + name + ".csv.tmp.4194304");
    }
    check_file_names(path, path_option, created, args.csv_dir, csv_files);
    if (already_done) {
      std::cerr << "neurocma: " << path << " already holds these " << wanted.size()
                << " finished runs; nothing to resume (--overwrite runs them again)\n";
    } else {
      check_results_path(path, path_option, args.overwrite);
      lock = std::make_unique<OutputLock>(path);
    }
  }
  if (already_done) return kExitOk;

  // Warnings (e.g. an unknown checksum) once, from rank 0.
  std::ostringstream quiet_warnings;
  const Experiment ex(
      cfg, load_splits(cfg.dataset, cfg.seed, ctx.is_root() ? std::cerr : quiet_warnings));

  std::vector<JobSpec> jobs;
  for (int r = first_run; r < end_run; ++r)
    for (int oi : chosen)
      jobs.push_back({oi, r, cfg.optimizers[static_cast<size_t>(oi)].entry().population, ""});

  // Checkpoints (docs/checkpoint.md): finished records on rank 0, the state of
  // each job in progress on the leader training it.
  const std::string ckpt = checkpoint_dir(path);
  const nlohmann::json identity = checkpoint_identity(cfg, jobs);
  std::vector<std::string> names;
  for (const OptimizerConfig& o : cfg.optimizers) names.push_back(o.name);
  std::vector<RunRecord> finished;
  if (args.resume) {
    finished = read_finished_checkpoint(ckpt, identity);  // every rank: same job list
    if (ctx.is_root() && !args.quiet) {
      if (std::filesystem::exists(ckpt))
        std::cerr << "neurocma: resuming from " << ckpt << " (" << finished.size() << " of "
                  << jobs.size() << " runs finished)\n";
      else
        std::cerr << "neurocma: no checkpoint at " << ckpt << "; starting from the beginning\n";
    }
  } else if (ctx.is_root() && std::filesystem::exists(ckpt)) {
    std::cerr << "neurocma: removing the old checkpoint " << ckpt
              << " (use --resume to continue from it)\n";
    std::filesystem::remove_all(ckpt);
  }
  if (ctx.is_root()) {
    std::error_code ec;
    std::filesystem::create_directories(ckpt, ec);
    if (ec) throw RuntimeError("checkpoint directory '" + ckpt + "': " + ec.message());
  }
  std::vector<JobSpec> todo;
  for (const JobSpec& j : jobs) {
    const std::string& name = names[static_cast<size_t>(j.optimizer)];
    const bool done = std::any_of(finished.begin(), finished.end(), [&](const RunRecord& r) {
      return r.optimizer == name && r.run_index == j.run;
    });
    if (!done) todo.push_back(j);
  }
  // Rank 0 checks the states of the unfinished jobs too, so that a bad file
  // fails before any training.
  if (args.resume && ctx.is_root()) validate_job_checkpoints(ckpt, identity, todo, names);

  std::unique_ptr<ResultsWriter> writer;
  if (ctx.is_root()) {
    writer = std::make_unique<ResultsWriter>(path);
    remove_on_abort(path + ".partial");  // [mpi] gone on MPI_Abort or a signal
  }
  Progress progress(static_cast<int>(todo.size()), cfg.train.max_epochs, args.quiet);
  // On rank 0 `finished` holds every record of the results file, restored or new.
  if (ctx.is_root())
    for (const RunRecord& rec : finished) writer->add(rec);

  execute_jobs(
      ctx, todo, ex.schedule(args.ranks_per_run),
      [&] { return std::make_unique<SerialEvaluator>(ex.mlp); },
      [&](const JobSpec& job, PopulationEvaluator& evaluator) {
        const OptimizerConfig& opt = cfg.optimizers[static_cast<size_t>(job.optimizer)];
        const bool report = ctx.is_root();
        const std::string job_path = job_checkpoint_path(ckpt, opt.name, job.run);
        TrainState saved;
        const TrainState* resume = nullptr;
        if (args.resume && read_job_checkpoint(job_path, identity, opt.name, job.run, saved)) {
          resume = &saved;
          if (!args.quiet)
            std::cerr << "neurocma: " << opt.name << " run " << job.run << " continues after epoch "
                      << saved.epoch
                      << (saved.batch_start > 0
                              ? " and " + std::to_string(saved.batch_start) + " samples"
                              : std::string())
                      << "\n";
        }
        if (report) progress.job_started(job.run, opt.name);
        EpochReport progress_line([&](int epoch, const EpochRecord& rec) {
          if (report) progress.epoch(job.run, opt.name, epoch, rec.val_acc);
          return true;
        });
        SchedulerPoll poll;
        JobCheckpoint checkpoint(job_path, identity, opt.name, job.run, cfg.checkpoint);
        return run_job(ex, opt, job.run, run_seed(cfg.seed, job.run), &evaluator,
                       {&progress_line, &poll, &checkpoint}, resume);
      },
      [&](const JobSpec& job, const RunRecord& rec) {
        writer->add(rec);
        finished.push_back(rec);
        // The record is safe in finished.ckpt before the job's state goes.
        write_finished_checkpoint(ckpt, identity, finished);
        std::error_code ec;
        std::filesystem::remove(
            job_checkpoint_path(ckpt, names[static_cast<size_t>(job.optimizer)], job.run), ec);
        progress.job_finished(rec);
      });

  if (interrupted()) {
    // The partial results file is removed with the writer; nothing looks complete.
    writer.reset();
    if (ctx.is_root())
      std::cerr << "neurocma: interrupted by signal " << interrupt_signal() << "; checkpoint in "
                << ckpt << "; continue with: neurocma run " << args.config
                << " --resume (and the same options)\n";
    return kExitInterrupted;
  }
  if (!ctx.is_root()) return kExitOk;
  progress.finish();
  writer->commit();
  keep_on_abort(path + ".partial");
  std::filesystem::remove_all(ckpt);  // the results are complete
  // Report in config order of the optimizers, then by run, whatever order the jobs finished in.
  auto config_index = [&](const RunRecord& r) {
    return std::find(names.begin(), names.end(), r.optimizer) - names.begin();
  };
  std::stable_sort(finished.begin(), finished.end(), [&](const RunRecord& a, const RunRecord& b) {
    const auto ia = config_index(a), ib = config_index(b);
    return ia != ib ? ia < ib : a.run_index < b.run_index;
  });
  // A --run-range share adds its rows to what the other shares wrote.
  if (!args.csv_dir.empty()) write_study_csv(args.csv_dir, finished, !args.run_range.empty());
  print_summary(std::cout, finished, use_color(STDOUT_FILENO));
  std::cout << "results: " << path << "\n";
  if (!args.csv_dir.empty()) std::cout << "csv: " << args.csv_dir << "\n";
  return kExitOk;
}

}  // namespace neurocma

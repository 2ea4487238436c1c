// neurocma run CONFIG: N seeded runs per optimizer, one HDF5 results file.
#include "neurocma/app/run_study.hpp"

#include <unistd.h>

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
  for (const std::string& name : args.only_optimizers) {
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
  if (ctx.is_root()) {
    check_output_dir(out_dir.empty() ? "." : out_dir, "--out");
    if (!args.csv_dir.empty()) check_output_dir(args.csv_dir, "--csv");
  }

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

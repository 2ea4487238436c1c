// The tune study loop: proposes trials on rank 0 whenever a rank group is
// free, trains each trial's K seeds as separate jobs, records finished trials.
#include "neurocma/app/tune_study.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <unordered_set>

#include "neurocma/app/experiment.hpp"
#include "neurocma/app/tune_space.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/core/terminal.hpp"
#include "neurocma/io/data_loader.hpp"
#include "neurocma/io/trial_store.hpp"
#include "neurocma/parallel/scheduler.hpp"
#include "neurocma/tune/sampler.hpp"

namespace neurocma {

namespace {

using json = nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

std::string fmt(double v) {
  if (!std::isfinite(v)) return "-";
  std::ostringstream s;
  s << std::setprecision(5) << v;
  return s.str();
}

std::string fmt_params(const json& p) {
  std::string s;
  for (auto it = p.begin(); it != p.end(); ++it) {
    if (!s.empty()) s += " ";
    s += it.key() + "=" + (it->is_number_integer() ? it->dump() : fmt(it->get<double>()));
  }
  return s;
}

std::string fmt_duration(double sec) {
  if (!std::isfinite(sec) || sec < 0) return "?";
  const long s = std::lround(sec);
  std::ostringstream o;
  if (s >= 3600)
    o << s / 3600 << "h" << std::setw(2) << std::setfill('0') << (s % 3600) / 60 << "m";
  else if (s >= 60)
    o << s / 60 << "m" << std::setw(2) << std::setfill('0') << s % 60 << "s";
  else
    o << s << "s";
  return o.str();
}

// Everything about one optimizer's study on rank 0.
struct Study {
  int index = 0;  // into cfg.optimizers
  SearchSpace space;
  json space_json;
  std::vector<TrialRecord> done;  // recorded trials
  std::set<int> taken;            // recorded or in flight
  int recorded_in_file = 0;
};

struct InFlight {
  int study = 0, trial = 0;
  std::vector<double> x;
  json params;
  int next_seed = 0, finished = 0;
  std::vector<double> values;
  std::string reason;
  double time = 0;
};

// The fixed part of a study: anything that changes the objective.
json study_header(const ExperimentConfig& cfg, const std::vector<Study>& studies,
                  const TuneOptions& opt) {
  json h;
  const json full = to_json(cfg);
  h["config"] = cfg.name;
  h["format"] = cfg.format;
  json dataset = full["dataset"];
  dataset.erase("data_dir");  // where the files live does not change them
  h["dataset"] = dataset;
  h["model"] = full["model"];
  h["train"] = full["train"];
  h["seed"] = cfg.seed;
  h["seeds"] = opt.seeds;
  h["sampler"] = opt.sampler;
  json opts = json::object();
  for (const Study& s : studies) {
    const OptimizerConfig& o = cfg.optimizers[static_cast<std::size_t>(s.index)];
    json fixed = o.params;
    for (const ParamSpec& p : s.space) fixed.erase(p.name);
    opts[o.name] = {{"type", o.type}, {"fixed", fixed}, {"space", s.space_json}};
  }
  h["optimizers"] = opts;
  return h;
}

json params_json(const SearchSpace& space, const std::vector<double>& x) {
  json p = json::object();
  for (std::size_t i = 0; i < space.size(); ++i) {
    if (space[i].integer) {
      p[space[i].name] = static_cast<long long>(std::llround(x[i]));
    } else {
      p[space[i].name] = x[i];
    }
  }
  return p;
}

std::vector<double> point_of(const SearchSpace& space, const json& params,
                             const std::string& where) {
  std::vector<double> x;
  for (const ParamSpec& p : space) {
    if (!params.contains(p.name) || !params[p.name].is_number())
      throw RuntimeError(where + ": recorded trial lacks parameter '" + p.name + "'");
    x.push_back(params[p.name].get<double>());
  }
  return x;
}

// Whether `params` holds every parameter of the space within its range.
bool in_space(const SearchSpace& space, const json& params) {
  for (const ParamSpec& p : space) {
    if (!params.contains(p.name) || !params[p.name].is_number()) return false;
    const double v = params[p.name].get<double>();
    if (!(v >= p.low && v <= p.high) || (p.integer && v != std::floor(v))) return false;
    if (p.log && !(v > 0)) return false;
  }
  return true;
}

// Progress on stderr: a live line on a terminal, one log line per trial otherwise.
class TuneProgress {
 public:
  TuneProgress(std::ostream& log, int total, bool quiet)
      : m_log(log),
        m_total(total),
        m_quiet(quiet),
        m_tty(interactive_terminal(2)),
        m_t0(std::chrono::steady_clock::now()) {}

  void trial_done(const std::string& optimizer, const TrialRecord& r,
                  const std::map<std::string, double>& best) {
    ++m_done;
    if (m_quiet) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_t0).count();
    const double eta = elapsed / m_done * (m_total - m_done);
    std::string best_text;
    for (const auto& [name, v] : best) best_text += " " + name + "=" + fmt(v);
    if (m_tty) {
      m_log << "\r\033[Ktune: trial " << m_done << "/" << m_total << " | best" << best_text
            << " | ETA " << fmt_duration(eta) << std::flush;
    } else {
      m_log << "tune: [" << m_done << "/" << m_total << "] " << optimizer << " trial " << r.trial
            << " " << fmt_params(r.params) << " -> " << fmt(r.objective) << " (" << r.status
            << (r.reason.empty() ? "" : ": " + r.reason) << "); best" << best_text << "; ETA "
            << fmt_duration(eta) << "\n";
    }
  }
  void finish() {
    if (!m_quiet && m_tty && m_done > 0) m_log << "\n";
  }

 private:
  std::ostream& m_log;
  int m_total, m_done = 0;
  bool m_quiet, m_tty;
  std::chrono::steady_clock::time_point m_t0;
};

class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

}  // namespace

std::vector<std::uint64_t> tune_seeds(std::uint64_t base_seed, int count) {
  std::unordered_set<std::uint64_t> taken;
  for (int i = 0; i < 100000; ++i) taken.insert(run_seed(base_seed, i));
  Rng g(base_seed, 0, Stream::kTune);
  std::vector<std::uint64_t> seeds;
  while (static_cast<int>(seeds.size()) < count) {
    const std::uint64_t s = g();
    if (taken.insert(s).second) seeds.push_back(s);
  }
  return seeds;
}

Rng tune_sampler_rng(std::uint64_t base_seed, const std::string& name, int trial) {
  // The top bit keeps the key apart from every Stream value.
  return Rng(base_seed, static_cast<std::uint64_t>(trial), fnv1a(name) | (1ULL << 63));
}

double tune_objective(const RunResult& result) {
  if (result.stop.kind == RunStop::Kind::kDiverged || result.stop.kind == RunStop::Kind::kError)
    return kNaN;
  double best = kNaN;
  for (const EpochRecord& e : result.history)
    if (std::isfinite(e.val_loss) && !(e.val_loss >= best)) best = e.val_loss;
  return best;
}

void apply_tuned_params(OptimizerConfig& opt, const json& params) {
  const OptimizerEntry& entry = opt.entry();
  for (auto it = params.begin(); it != params.end(); ++it) {
    bool tunable = false;
    for (const TunableParam& t : entry.tunables) tunable = tunable || t.native.name == it.key();
    if (!tunable)
      throw ConfigError("optimizer '" + opt.name + "': '" + it.key() +
                        "' is not a tunable parameter");
    entry.set_tuned(opt.options, it.key(), it->get<double>());
  }
  opt.refresh();
}

TuneReport run_tune(ParallelContext& ctx, ExperimentConfig cfg, const TuneOptions& opt,
                    std::ostream& out, std::ostream& log_root) {
  NullBuffer null_buf;
  std::ostream null_stream(&null_buf);
  std::ostream& log = ctx.is_root() ? log_root : null_stream;

  if (opt.trials < 1)
    throw ConfigError("--trials " + std::to_string(opt.trials) + ": expected a number >= 1");
  if (opt.seeds < 1)
    throw ConfigError("--seeds " + std::to_string(opt.seeds) + ": expected a number >= 1");
  const std::unique_ptr<Sampler> sampler = make_sampler(opt.sampler);
  validate_search(cfg);
  const std::string out_dir = opt.out_dir.empty() ? cfg.out_dir : opt.out_dir;

  // Studies: every tunable optimizer of the config is part of the header;
  // `selected` are the ones this command runs.
  std::vector<Study> studies;
  std::vector<int> selected;
  for (std::size_t i = 0; i < cfg.optimizers.size(); ++i) {
    const OptimizerConfig& o = cfg.optimizers[i];
    if (o.entry().tunables.empty()) continue;
    Study s;
    s.index = static_cast<int>(i);
    s.space = search_space_for(cfg, o);
    s.space_json = space_to_json(s.space);
    if (opt.optimizer.empty() || opt.optimizer == o.name)
      selected.push_back(static_cast<int>(studies.size()));
    studies.push_back(std::move(s));
  }
  if (!opt.optimizer.empty() && selected.empty())
    throw ConfigError("--optimizer '" + opt.optimizer + "': no tunable optimizer of this name in " +
                      cfg.source);
  if (selected.empty()) throw ConfigError(cfg.source + ": no optimizer with tunable parameters");

  TuneReport report;
  report.trials_path = out_dir + "/" + cfg.name + ".tune.jsonl";
  report.tuned_path = out_dir + "/" + cfg.name + ".tuned.json";

  // Rank 0 owns the study file; a mismatch stops everything before training.
  std::unique_ptr<TrialStore> store;
  int total = 0;
  if (ctx.is_root()) {
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec || access(out_dir.c_str(), W_OK) != 0)
      throw ConfigError("--out '" + out_dir + "': cannot create or write this directory");
    store = std::make_unique<TrialStore>(report.trials_path, study_header(cfg, studies, opt), log);
    std::map<std::string, int> by_name;
    for (std::size_t k = 0; k < studies.size(); ++k)
      by_name[cfg.optimizers[static_cast<std::size_t>(studies[k].index)].name] =
          static_cast<int>(k);
    for (const TrialRecord& r : store->records()) {
      const auto it = by_name.find(r.optimizer);
      if (it == by_name.end()) {
        log << "neurocma: warning: " << report.trials_path << ": ignoring trial " << r.trial
            << " of unknown optimizer '" << r.optimizer << "'\n";
        continue;
      }
      Study& s = studies[static_cast<std::size_t>(it->second)];
      point_of(s.space, r.params, report.trials_path);  // checks the parameters are there
      s.done.push_back(r);
      s.taken.insert(r.trial);
    }
    for (int k : selected) {
      Study& s = studies[static_cast<std::size_t>(k)];
      s.recorded_in_file = static_cast<int>(s.done.size());
      for (int t = 0; t < opt.trials; ++t) total += s.taken.count(t) ? 0 : 1;
      if (s.recorded_in_file > 0)
        log << "tune: resuming " << cfg.optimizers[static_cast<std::size_t>(s.index)].name
            << " from " << s.recorded_in_file << " recorded trial(s)\n";
    }
  }

  const std::vector<std::uint64_t> seeds = tune_seeds(cfg.seed, opt.seeds);
  const Experiment ex(cfg, load_splits(cfg.dataset, cfg.seed, log));
  cfg.resolved = to_json(cfg);

  std::map<std::pair<int, int>, InFlight> in_flight;  // (study, trial)
  std::vector<std::pair<int, int>> issue_order;       // in-flight trials, oldest first
  TuneProgress progress(log, total, opt.quiet);
  std::map<std::string, double> best_so_far;
  for (int k : selected) {
    const Study& s = studies[static_cast<std::size_t>(k)];
    for (const TrialRecord& r : s.done) {
      if (r.status != "ok") continue;
      const std::string& name = cfg.optimizers[static_cast<std::size_t>(s.index)].name;
      auto it = best_so_far.find(name);
      if (it == best_so_far.end() || r.objective < it->second) best_so_far[name] = r.objective;
    }
  }

  // Hands out the next seed of an in-flight trial as a job.
  const auto issue_seed = [&](InFlight& f, JobSpec& job) {
    const Study& s = studies[static_cast<std::size_t>(f.study)];
    const int k = f.next_seed++;
    job.optimizer = s.index;
    job.run = k;
    job.population = cfg.optimizers[static_cast<std::size_t>(s.index)].entry().population;
    job.payload = json{
        {"study", f.study},
        {"trial", f.trial},
        {"seed_index", k},
        {"seed", seeds[static_cast<std::size_t>(k)]},
        {"params",
         f.params}}.dump();
  };

  const auto next = [&](JobSpec& job) -> bool {
    // Outstanding seeds of a trial already proposed go first.
    for (const auto& key : issue_order) {
      InFlight& f = in_flight.at(key);
      if (f.next_seed < opt.seeds) {
        issue_seed(f, job);
        return true;
      }
    }
    // A new trial for the optimizer with the fewest trials so far.
    int chosen = -1, chosen_trial = -1;
    std::size_t fewest = std::numeric_limits<std::size_t>::max();
    for (int k : selected) {
      const Study& s = studies[static_cast<std::size_t>(k)];
      int t = 0;
      while (t < opt.trials && s.taken.count(t)) ++t;
      if (t >= opt.trials) continue;
      if (s.taken.size() < fewest) {
        fewest = s.taken.size();
        chosen = k;
        chosen_trial = t;
      }
    }
    if (chosen < 0) return false;
    Study& s = studies[static_cast<std::size_t>(chosen)];
    const std::string& name = cfg.optimizers[static_cast<std::size_t>(s.index)].name;
    std::vector<TrialPoint> history;
    for (const TrialRecord& r : s.done) {
      TrialPoint p;
      p.number = r.trial;
      p.x = point_of(s.space, r.params, report.trials_path);
      p.value = r.objective;
      p.state = r.status == "ok" ? TrialState::kOk : TrialState::kFailed;
      history.push_back(std::move(p));
    }
    for (const auto& [key, f] : in_flight) {
      if (key.first != chosen) continue;
      TrialPoint p;
      p.number = f.trial;
      p.x = f.x;
      p.state = TrialState::kPending;
      history.push_back(std::move(p));
    }
    Rng rng = tune_sampler_rng(cfg.seed, name, chosen_trial);
    InFlight f;
    f.study = chosen;
    f.trial = chosen_trial;
    // Trial 0 is the configured point when it lies in the space (Optuna's
    // enqueue_trial): the search then never returns values worse, by its own
    // objective, than the ones it started from.
    const json& configured = cfg.optimizers[static_cast<std::size_t>(s.index)].params;
    if (chosen_trial == 0 && in_space(s.space, configured))
      f.x = point_of(s.space, configured, report.trials_path);
    else
      f.x = sampler->propose(s.space, history, rng);
    f.params = params_json(s.space, f.x);
    f.values.assign(static_cast<std::size_t>(opt.seeds), kNaN);
    s.taken.insert(chosen_trial);
    const std::pair<int, int> key{chosen, chosen_trial};
    in_flight[key] = std::move(f);
    issue_order.push_back(key);
    issue_seed(in_flight.at(key), job);
    return true;
  };

  const auto job_fn = [&](const JobSpec& job, PopulationEvaluator& evaluator) -> RunRecord {
    const json p = json::parse(job.payload);
    OptimizerConfig o = cfg.optimizers[static_cast<std::size_t>(job.optimizer)];
    const std::uint64_t seed = p.at("seed").get<std::uint64_t>();
    try {
      apply_tuned_params(o, p.at("params"));
      return run_job(ex, o, job.run, seed, &evaluator);
    } catch (const std::exception& e) {
      // A hyperparameter the optimizer rejects is a failed trial, not a crash.
      RunRecord rec;
      rec.optimizer = o.name;
      rec.optimizer_type = o.type;
      rec.seed = seed;
      rec.run_index = job.run;
      rec.result.stop = RunStop::error(e.what());
      return rec;
    }
  };

  const auto on_result = [&](const JobSpec& job, const RunRecord& rec) {
    if (!ctx.is_root()) return;
    const json p = json::parse(job.payload);
    const std::pair<int, int> key{p.at("study").get<int>(), p.at("trial").get<int>()};
    InFlight& f = in_flight.at(key);
    const int k = p.at("seed_index").get<int>();
    const double v = tune_objective(rec.result);
    f.values[static_cast<std::size_t>(k)] = v;
    f.time += rec.result.time;
    if (!std::isfinite(v) && f.reason.empty())
      f.reason = rec.result.stop.kind == RunStop::Kind::kNone ? "no finite validation loss"
                                                              : rec.result.stop.text();
    if (++f.finished < opt.seeds) return;

    Study& s = studies[static_cast<std::size_t>(f.study)];
    const OptimizerConfig& o = cfg.optimizers[static_cast<std::size_t>(s.index)];
    TrialRecord r;
    r.optimizer = o.name;
    r.optimizer_type = o.type;
    r.trial = f.trial;
    r.params = f.params;
    r.values = f.values;
    r.seeds = seeds;
    r.time = f.time;
    r.space = s.space_json;
    double sum = 0.0;
    bool ok = true;
    for (double x : f.values) {
      ok = ok && std::isfinite(x);
      sum += x;
    }
    r.status = ok ? "ok" : "failed";
    r.objective = ok ? sum / opt.seeds : kNaN;
    if (!ok) r.reason = f.reason;
    store->append(r);
    s.done.push_back(r);
    if (ok) {
      auto it = best_so_far.find(o.name);
      if (it == best_so_far.end() || r.objective < it->second) best_so_far[o.name] = r.objective;
    }
    in_flight.erase(key);
    for (auto it = issue_order.begin(); it != issue_order.end(); ++it)
      if (*it == key) {
        issue_order.erase(it);
        break;
      }
    progress.trial_done(o.name, r, best_so_far);
  };

  const ScheduleOptions sched = ex.schedule(opt.ranks_per_run);
  execute_dynamic(
      ctx, sched, [&] { return std::make_unique<SerialEvaluator>(ex.mlp); }, next, job_fn,
      on_result);
  if (!ctx.is_root()) return report;
  progress.finish();

  // Table of trials and the best values per optimizer.
  ExperimentConfig tuned = cfg;
  for (std::size_t k = 0; k < studies.size(); ++k) {
    Study& s = studies[k];
    OptimizerConfig& o = tuned.optimizers[static_cast<std::size_t>(s.index)];
    std::sort(s.done.begin(), s.done.end(),
              [](const TrialRecord& a, const TrialRecord& b) { return a.trial < b.trial; });
    TuneBest b;
    b.optimizer = o.name;
    for (const TrialRecord& r : s.done) {
      ++b.trials;
      if (r.status != "ok") {
        ++b.failed;
        continue;
      }
      if (b.trial < 0 || r.objective < b.objective) {
        b.trial = r.trial;
        b.objective = r.objective;
        b.params = r.params;
      }
    }
    if (b.trial >= 0) apply_tuned_params(o, b.params);
    const bool is_selected =
        std::find(selected.begin(), selected.end(), static_cast<int>(k)) != selected.end();
    if (!is_selected) continue;
    report.best.push_back(b);
    if (opt.quiet) continue;
    out << "\n"
        << o.name << " (" << o.type << "), sampler " << opt.sampler << ", " << b.trials
        << " trials, objective = best validation loss, mean of " << opt.seeds << " seed(s)\n";
    out << std::setw(6) << "trial";
    for (const ParamSpec& p : s.space) out << "  " << std::setw(12) << p.name;
    out << "  " << std::setw(12) << "objective"
        << "  status\n";
    for (const TrialRecord& r : s.done) {
      out << std::setw(6) << r.trial;
      for (const ParamSpec& p : s.space) {
        const json& v = r.params[p.name];
        out << "  " << std::setw(12) << (v.is_number_integer() ? v.dump() : fmt(v.get<double>()));
      }
      out << "  " << std::setw(12) << fmt(r.objective) << "  " << r.status
          << (r.reason.empty() ? "" : " (" + r.reason + ")") << "\n";
    }
  }
  if (!opt.quiet) out << "\n";
  for (const TuneBest& b : report.best) {
    if (b.trial < 0) {
      out << "best " << b.optimizer << ": none (all " << b.trials << " trials failed)\n";
      log << "neurocma: warning: " << b.optimizer
          << ": no successful trial; its hyperparameters stay as configured\n";
    } else {
      out << "best " << b.optimizer << ": trial " << b.trial << "  " << fmt_params(b.params)
          << "  val_loss " << fmt(b.objective) << "  (" << b.trials << " trials, " << b.failed
          << " failed)\n";
    }
  }

  // The tuned config, native format, written atomically.
  tuned.resolved = json();
  const std::string tmp = report.tuned_path + ".partial";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw RuntimeError(tmp + ": cannot open for writing");
    f << to_json(tuned).dump(2) << "\n";
    if (!f.flush()) throw RuntimeError(tmp + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, report.tuned_path, ec);
  if (ec) throw RuntimeError(report.tuned_path + ": cannot rename from .partial: " + ec.message());
  out << "trials: " << report.trials_path << "\n";
  out << "tuned config: " << report.tuned_path << "\n";
  return report;
}

}  // namespace neurocma

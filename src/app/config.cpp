// Experiment configuration: validation of the native JSON schema and the
// mapping of the study's per-setup format onto it. Schema: docs/config.md.
#include "neurocma/app/config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "neurocma/core/error.hpp"
#include "neurocma/core/memory.hpp"
#include "neurocma/io/json_file.hpp"
#include "neurocma/io/reader.hpp"

namespace neurocma {
namespace {

using json = nlohmann::json;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Shape of the data a data set presents to the model.
struct DataShape {
  Index input = 0, output = 0;
};

DataShape data_shape(const DatasetConfig& d) {
  if (d.name == "iris") return {4, 3};
  const Index side = 28 / d.pool;
  return {side * side, 10};
}

Index count_params(Index input, const std::vector<Index>& hidden, Index output) {
  Index n = 0, in = input;
  for (Index h : hidden) {
    n += in * h + h;
    in = h;
  }
  return n + in * output + output;
}

std::string shape_text(Index input, const std::vector<Index>& hidden, Index output) {
  std::string s = std::to_string(input);
  for (Index h : hidden) s += "-" + std::to_string(h);
  return s + "-" + std::to_string(output);
}

const std::vector<std::string> kDatasets = {"iris", "mnist", "fashion-mnist"};

void check_ratios(const Reader& r, const std::string& key, double a, double b, double c) {
  if (std::fabs(a + b + c - 1.0) > 1e-6) {
    r.fail(key,
           "expected the train, validation and test ratios to sum to 1, got " + fmt_num(a + b + c));
  }
}

DatasetConfig parse_dataset(Reader& r) {
  DatasetConfig d;
  d.name = r.choice("name", d.name, kDatasets);
  d.data_dir = r.string("data_dir", d.data_dir);
  d.pool = static_cast<int>(r.integer("pool", d.pool, 1, 28));
  if (28 % d.pool != 0)
    r.fail("pool", "expected a divisor of 28 (1, 2, 4, 7, 14, 28), got " + std::to_string(d.pool));
  d.standardize = r.boolean("standardize", d.standardize);
  d.standardize_on = r.choice("standardize_on", "train", {"train", "all"}) == "all"
                         ? StandardizeOn::kAll
                         : StandardizeOn::kTrain;
  const bool iris = d.name == "iris";
  d.split =
      parse_split(r.choice("split", iris ? "ratio" : "official", {"official", "ratio", "sklearn"}));
  if (iris && d.split == SplitKind::kOfficial) {
    r.fail("split", "iris has no official test set; expected \"ratio\"");
  }
  d.train_ratio = r.number("train_ratio", d.train_ratio, 0, true, 1, true);
  d.val_ratio = r.number("val_ratio", d.val_ratio, 0, true, 1, true);
  d.test_ratio = r.number("test_ratio", d.test_ratio, 0, true, 1, true);
  check_ratios(r, "train_ratio", d.train_ratio, d.val_ratio, d.test_ratio);
  d.stratify = r.boolean("stratify", iris);
  if (iris && !d.stratify) r.fail("stratify", "iris is always split stratified; expected true");
  d.val_size = static_cast<Index>(r.integer("val_size", d.val_size, 1, 59999));
  d.limit = static_cast<Index>(r.integer("limit", d.limit, 0));
  if (!iris && d.split == SplitKind::kOfficial && d.limit > 0 && d.val_size >= d.limit) {
    r.fail("val_size", "expected fewer than limit (" + std::to_string(d.limit) + ") samples, got " +
                           std::to_string(d.val_size));
  }
  r.finish();
  return d;
}

ModelConfig parse_model(Reader& r) {
  ModelConfig m;
  if (const json* h = r.get("hidden")) {
    const std::string what = "an array of positive integers";
    if (!h->is_array()) r.expected("hidden", what, *h);
    m.hidden.clear();
    for (std::size_t i = 0; i < h->size(); ++i) {
      long long w = 0;
      if (!Reader::to_integer((*h)[i], w) || w < 1) {
        r.expected("hidden[" + std::to_string(i) + "]", "a positive integer", (*h)[i]);
      }
      m.hidden.push_back(static_cast<Index>(w));
    }
  }
  m.activation = parse_activation(r.choice("activation", "relu", {"relu", "tanh", "sigmoid"}));
  m.output = parse_output(r.choice("output", "logits", {"logits", "softmax"}));
  r.finish();
  return m;
}

TrainConfig parse_train(Reader& r) {
  TrainConfig t;
  t.batch_size = static_cast<Index>(r.integer("batch_size", t.batch_size, 1));
  t.max_epochs = static_cast<int>(r.integer("max_epochs", t.max_epochs, 1, 1000000));
  t.patience = static_cast<int>(r.integer("patience", t.patience, 1, 1000000));
  t.min_delta = r.number("min_delta", t.min_delta, 0, false, kInf, false);
  t.test_on = parse_test_on(r.choice("test_on", "best", {"best", "last", "best_on_early_stop"}));
  t.rng = r.choice("rng", "neurocma", {"neurocma", "torch"}) == "torch" ? RunRng::kTorch
                                                                        : RunRng::kNeurocma;
  r.finish();
  return t;
}

ModelInfo model_info(const ExperimentConfig& cfg) {
  const DataShape shape = data_shape(cfg.dataset);
  ModelInfo model;
  model.num_params = count_params(shape.input, cfg.model.hidden, shape.output);
  model.shape = shape_text(shape.input, cfg.model.hidden, shape.output);
  Index in = shape.input;
  for (Index h : cfg.model.hidden) {
    model.largest_layer = std::max(model.largest_layer, in * h + h);
    in = h;
  }
  model.largest_layer = std::max(model.largest_layer, in * shape.output + shape.output);
  return model;
}

// "1.23 GiB", "456 MiB": three significant digits in the largest fitting unit.
std::string bytes_text(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) {
    bytes /= 1024;
    ++u;
  }
  std::ostringstream os;
  os.precision(bytes >= 100 ? 0 : bytes >= 10 ? 1 : 2);
  os << std::fixed << bytes << " " << units[u];
  return os.str();
}

// Huge sizes (hidden widths, popsize, lm_memory) fail here, naming the key and
// the estimate, not in a bare std::bad_alloc or the OOM killer hours later.
void check_memory(const ExperimentConfig& cfg, const std::string& file) {
  const ModelInfo model = model_info(cfg);
  const MemoryLimit limit = memory_limit();
  // The data (images before pooling) and one mini-batch's activations.
  double base = 0;
  if (cfg.dataset.name != "iris") base += 70000.0 * (784 + 196) * 8;
  double widths = 0;
  for (Index h : cfg.model.hidden) widths += static_cast<double>(h);
  base += 3 * 8 * static_cast<double>(cfg.train.batch_size) * (widths + 794);
  for (std::size_t i = 0; i < cfg.optimizers.size(); ++i) {
    const OptimizerConfig& o = cfg.optimizers[i];
    const MemoryNeed need = o.entry().memory(o.options, model);
    const double total = base + need.bytes;
    if (total <= limit.bytes) continue;
    std::string key = need.key == "model.hidden"
                          ? need.key
                          : (cfg.format == "study" ? std::string("optimizer_config.")
                                                   : "optimizers[" + std::to_string(i) + "].") +
                                need.key;
    if (base > need.bytes) key = "model.hidden";
    throw ConfigError(file + ": " + key + ": a run of \"" + o.name + "\" needs about " +
                      bytes_text(total) + " (" + bytes_text(need.bytes) + " for " + need.what +
                      ", " + bytes_text(base) +
                      " for the data and a mini-batch's activations); expected at most the " +
                      bytes_text(limit.bytes) + " " + limit.source);
  }
}

OptimizerConfig parse_optimizer(Reader& r, const ModelInfo& model) {
  OptimizerConfig o;
  o.type = r.choice("type", "", optimizer_types(), true);
  o.name = r.string("name", o.type);
  if (!is_safe_name(o.name)) {
    r.expected("name", "a name of 1 to 100 letters, digits, '_', '-' or '.'", json(o.name));
  }
  const OptimizerEntry& entry = optimizer_entry(o.type);
  o.options = entry.parse(r, model);
  r.finish(" for an optimizer of type \"" + o.type + "\"");
  o.refresh();
  return o;
}

void finalize(ExperimentConfig& cfg) {
  cfg.resolved = to_json(cfg);
}

ExperimentConfig parse_native(const json& j, const std::string& file) {
  ExperimentConfig cfg;
  cfg.source = file;
  cfg.format = "native";
  Reader r(j, file, "");
  cfg.name = r.string("name", cfg.name);
  if (!is_safe_name(cfg.name)) {
    r.expected("name", "a name of 1 to 100 letters, digits, '_', '-' or '.'", *r.get("name"));
  }
  const json empty = json::object();
  {
    const json* d = r.get("dataset");
    Reader dr(d ? *d : empty, file, "dataset");
    cfg.dataset = parse_dataset(dr);
  }
  {
    const json* m = r.get("model");
    Reader mr(m ? *m : empty, file, "model");
    cfg.model = parse_model(mr);
  }
  {
    const json* t = r.get("train");
    Reader tr(t ? *t : empty, file, "train");
    cfg.train = parse_train(tr);
  }
  if (const json* c = r.get("checkpoint")) {
    Reader cr(*c, file, "checkpoint");
    cfg.checkpoint.every_epochs =
        static_cast<int>(cr.integer("every_epochs", cfg.checkpoint.every_epochs, 0, 1000000));
    cfg.checkpoint.every_minutes =
        cr.number("every_minutes", cfg.checkpoint.every_minutes, 0, false, kInf, false);
    cr.finish();
  }
  const ModelInfo model = model_info(cfg);

  const json& opts = r.require("optimizers", "a non-empty array of optimizer objects");
  if (!opts.is_array() || opts.empty()) {
    r.expected("optimizers", "a non-empty array of optimizer objects", opts);
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < opts.size(); ++i) {
    const std::string path = "optimizers[" + std::to_string(i) + "]";
    Reader orr(opts[i], file, path);
    OptimizerConfig o = parse_optimizer(orr, model);
    if (!names.insert(o.name).second) {
      throw ConfigError(file + ": " + path + ".name: duplicate optimizer name \"" + o.name +
                        "\"; names must be unique");
    }
    cfg.optimizers.push_back(std::move(o));
  }
  cfg.runs = static_cast<int>(r.integer("runs", cfg.runs, 1, 1000000));
  cfg.seed = r.uint64("seed", cfg.seed);
  cfg.out_dir = r.string("out_dir", cfg.out_dir);
  if (cfg.out_dir.empty()) r.expected("out_dir", "a non-empty directory name", json(""));
  if (const json* s = r.get("search")) {
    if (!s->is_object()) r.expected("search", "an object of search spaces", *s);
    cfg.search = *s;
  }
  r.finish();
  finalize(cfg);
  return cfg;
}

bool looks_like_study(const json& j) {
  return j.is_object() && (j.contains("optimizer_config") || j.contains("dataset_name") ||
                           j.contains("mlp_layers") || j.contains("train_val_test_ratios"));
}

// The study's one-setup-per-file format (see docs/config.md for the mapping).
ExperimentConfig parse_study(const json& j, const std::string& file) {
  ExperimentConfig cfg;
  cfg.source = file;
  cfg.format = "study";
  Reader r(j, file, "");
  const std::string dataset = r.choice("dataset_name", "", {"iris", "mnist"}, true);

  const json& ratios = r.require("train_val_test_ratios", "an array of 3 numbers");
  if (!ratios.is_array() || ratios.size() != 3) {
    r.expected("train_val_test_ratios", "an array of 3 numbers in (0, 1) summing to 1", ratios);
  }
  double q[3];
  for (int i = 0; i < 3; ++i) {
    const json& v = ratios[static_cast<std::size_t>(i)];
    if (!v.is_number() || !(v.get<double>() > 0) || !(v.get<double>() < 1)) {
      r.expected("train_val_test_ratios[" + std::to_string(i) + "]", "a number in (0, 1)", v);
    }
    q[i] = v.get<double>();
  }
  check_ratios(r, "train_val_test_ratios", q[0], q[1], q[2]);

  const Index batch =
      static_cast<Index>(r.integer("batch_size", 0, 1, std::numeric_limits<int>::max(), true));
  const int epochs = static_cast<int>(r.integer("epochs", 0, 1, 1000000, true));
  r.boolean("use_wandb", false);  // accepted and ignored: no W&B logging here
  r.integer("log_interval", 1, 1);
  cfg.seed = r.uint64("random_seed", 0, true);

  cfg.dataset.name = dataset;
  cfg.dataset.train_ratio = q[0];
  cfg.dataset.val_ratio = q[1];
  cfg.dataset.test_ratio = q[2];
  // sklearn's train_test_split(..., stratify=y, random_state=random_seed), twice,
  // reproduced index for index.
  cfg.dataset.split = SplitKind::kSklearn;
  cfg.dataset.stratify = true;
  if (dataset == "iris") {
    // StandardScaler fitted on all 150 samples before the split.
    cfg.dataset.standardize = true;
    cfg.dataset.standardize_on = StandardizeOn::kAll;
  } else {
    // 28 -> 14 by bilinear interpolation (no antialiasing) = 2x2 averages; pixels in [0, 1].
    cfg.dataset.pool = 2;
    cfg.dataset.standardize = false;
  }
  const DataShape shape = data_shape(cfg.dataset);

  {
    Reader m(r.require("mlp_layers", "an object"), file, "mlp_layers");
    const long long in = m.integer("input_dim", 0, 1, std::numeric_limits<int>::max(), true);
    const long long hidden = m.integer("hidden_dim", 0, 1, std::numeric_limits<int>::max(), true);
    const long long out = m.integer("output_dim", 0, 1, std::numeric_limits<int>::max(), true);
    m.finish();
    if (in != shape.input) {
      m.fail("input_dim", "expected " + std::to_string(shape.input) + " for " + dataset +
                              (dataset == "mnist" ? " (14x14 after 2x2 pooling)" : "") + ", got " +
                              std::to_string(in));
    }
    if (out != shape.output) {
      m.fail("output_dim", "expected " + std::to_string(shape.output) + " classes for " + dataset +
                               ", got " + std::to_string(out));
    }
    cfg.model.hidden = {static_cast<Index>(hidden)};
    cfg.model.activation = Activation::kSigmoid;
    cfg.model.output = Output::kSoftmax;  // nn.Softmax last, then nn.CrossEntropyLoss on it
  }
  {
    Reader e(r.require("early_stopping", "an object"), file, "early_stopping");
    cfg.train.patience = static_cast<int>(e.integer("patience", 0, 1, 1000000, true));
    cfg.train.min_delta = e.number("delta", 0, 0, false, kInf, false, true);
    e.finish();
  }
  cfg.train.batch_size = batch;
  cfg.train.max_epochs = epochs;
  // torch.manual_seed(run) before the model is built, DataLoader(shuffle=True).
  cfg.train.rng = RunRng::kTorch;

  {
    Reader o(r.require("optimizer_config", "an object"), file, "optimizer_config");
    OptimizerConfig opt;
    opt.name = o.choice("name", "", {"sgd", "adam", "cmaes", "layerwise_cmaes"}, true);
    if (opt.name == "sgd" || opt.name == "adam") {
      opt.type = opt.name;
      const double lr = o.number("learning_rate", 0, 0, true, kInf, false, true);
      if (opt.name == "sgd") {
        SgdOptions sgd;
        sgd.lr = lr;
        opt.options = sgd;
      } else {
        AdamOptions adam;
        adam.lr = lr;
        opt.options = adam;
      }
      // The study's EarlyStopping kept model.state_dict(), whose tensors share
      // storage with the parameters that optimizer.step() updates in place:
      // "restoring" them was a no-op, so the last weights were tested
      // (tests/scripts/gen_study_ref.py shows it with torch).
      cfg.train.test_on = TestOn::kLast;
    } else {
      // pycma's CMAEvolutionStrategy(x0, sigma0, {popsize, seed}) with its
      // defaults: full covariance with an eigendecomposition, active CMA.
      opt.type = "cmaes";
      CmaesOptions c;
      c.cma.variant = CmaVariant::kFull;
      c.cma.full_form = CmaFullForm::kEigen;
      c.cma.active = true;
      // One CMA-ES per nn.Linear (weights and bias together): the study's
      // get_params_layers(). Its evaluation counts rule out one per tensor
      // (docs/study.md).
      c.training.layout = opt.name == "layerwise_cmaes" ? BlockLayout::kLayer : BlockLayout::kWhole;
      // es.best.x, the best candidate seen so far, goes into the model.
      c.training.select = Selection::kBest;
      c.training.context = BlockContext::kEpochStart;
      // evaluate_batch() divided the mean loss by the batch size.
      c.training.fitness = FitnessScale::kMeanOverBatch;
      c.training.rng = StrategyRng::kShared;  // {"seed": random_seed} for every run
      // The best-validation weights come back only when early stopping fires.
      cfg.train.test_on = TestOn::kBestOnEarlyStop;
      c.cma.popsize = static_cast<Index>(
          o.integer("population_size", 0, 2, std::numeric_limits<int>::max(), true));
      c.cma.sigma0 = o.number("sigma0", 0, 0, true, kInf, false, true);
      opt.options = c;
    }
    o.finish(" for optimizer \"" + opt.name + "\"");
    opt.refresh();
    cfg.optimizers.push_back(std::move(opt));
  }
  r.finish(" in the study format");
  cfg.runs = 1;
  cfg.name = dataset + "." + cfg.optimizers.front().name;
  finalize(cfg);
  return cfg;
}

}  // namespace

void apply_corrected_semantics(ExperimentConfig& cfg) {
  cfg.model.output = Output::kLogits;
  cfg.train.test_on = TestOn::kBest;
  cfg.train.rng = RunRng::kNeurocma;
  cfg.dataset.standardize_on = StandardizeOn::kTrain;
  for (OptimizerConfig& o : cfg.optimizers) {
    if (PopulationTraining* t = o.entry().training(o.options)) {
      t->select = Selection::kMean;
      t->context = BlockContext::kCurrent;
      t->fitness = FitnessScale::kMean;
      t->rng = StrategyRng::kRun;
    }
    if (auto* c = std::get_if<CmaesOptions>(&o.options)) c->cma.full_form = CmaFullForm::kAuto;
    o.refresh();
  }
  if (cfg.format == "study") cfg.name += ".corrected";
  cfg.resolved = to_json(cfg);
}

ExperimentConfig parse_config(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) {
    throw ConfigError(source + ": top level: expected an object, got " + describe(j));
  }
  ExperimentConfig cfg = looks_like_study(j) ? parse_study(j, source) : parse_native(j, source);
  check_memory(cfg, source);
  return cfg;
}

ExperimentConfig load_config(const std::string& path) {
  return parse_config(read_json_file(path, "config file"), path);
}

nlohmann::json to_json(const ExperimentConfig& cfg) {
  json j = json::object();
  j["name"] = cfg.name;
  const DatasetConfig& d = cfg.dataset;
  j["dataset"] = {{"name", d.name},
                  {"data_dir", d.data_dir},
                  {"pool", d.pool},
                  {"standardize", d.standardize},
                  {"standardize_on", d.standardize_on == StandardizeOn::kAll ? "all" : "train"},
                  {"split", to_string(d.split)},
                  {"train_ratio", d.train_ratio},
                  {"val_ratio", d.val_ratio},
                  {"test_ratio", d.test_ratio},
                  {"stratify", d.stratify},
                  {"val_size", d.val_size},
                  {"limit", d.limit}};
  j["model"] = {{"hidden", cfg.model.hidden},
                {"activation", to_string(cfg.model.activation)},
                {"output", to_string(cfg.model.output)}};
  const TrainConfig& t = cfg.train;
  j["train"] = {
      {"batch_size", t.batch_size},      {"max_epochs", t.max_epochs},
      {"patience", t.patience},          {"min_delta", t.min_delta},
      {"test_on", to_string(t.test_on)}, {"rng", t.rng == RunRng::kTorch ? "torch" : "neurocma"}};
  json opts = json::array();
  for (const OptimizerConfig& o : cfg.optimizers) {
    json e = {{"name", o.name}, {"type", o.type}};
    e.update(o.params);
    opts.push_back(std::move(e));
  }
  j["optimizers"] = std::move(opts);
  j["checkpoint"] = {{"every_epochs", cfg.checkpoint.every_epochs},
                     {"every_minutes", cfg.checkpoint.every_minutes}};
  j["runs"] = cfg.runs;
  j["seed"] = cfg.seed;
  j["out_dir"] = cfg.out_dir;
  j["search"] = cfg.search.is_object() ? cfg.search : json::object();
  return j;
}

}  // namespace neurocma

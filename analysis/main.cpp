// neurocma-analyze: statistics, tables and plots over neurocma results.
// Usage: neurocma-analyze INPUT... [--format md|csv|tex|json] [--alpha A]
//        [--metrics LIST] [--plots DIR] [--correction none|holm] [--out FILE]
//        [--counting native|study] [--reference FILE]
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "inputs.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/core/version.hpp"
#include "plots.hpp"
#include "reference.hpp"
#include "report.hpp"
#include "study.hpp"

namespace {

constexpr const char* kProg = "neurocma-analyze";

struct Args {
  std::vector<std::string> inputs;
  std::string format = "md", metrics, plots, correction = "none", out, counting, reference;
  double alpha = 0.05;
};

// Refuses an output path that is one of the files read (named, found in a
// directory, or reached through a symlink or hard link): writing the report
// over its own input would destroy the results it was made from.
void refuse_input(const std::string& option, const std::string& target,
                  const std::vector<std::string>& read, const std::string& expected) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(target, ec)) return;  // a new file is no input
  for (const std::string& in : read) {
    if (fs::equivalent(target, in, ec)) {
      throw neurocma::ConfigError(option + ": " + target + " is the input " + in +
                                  "; refusing to write over an input, expected " + expected);
    }
  }
}

int run(const Args& args) {
  const std::vector<std::string>& inputs = args.inputs;
  const std::string& format_name = args.format;
  const double alpha = args.alpha;
  const std::string& metrics = args.metrics;
  const std::string& plots_dir = args.plots;
  const std::string& correction = args.correction;
  const std::string& out_path = args.out;
  using namespace neurocma;
  using namespace neurocma::analysis;
  AnalysisOptions opt;
  if (!(alpha > 0 && alpha < 1))
    throw ConfigError("--alpha: expected a value in (0, 1), got " + std::to_string(alpha));
  opt.alpha = alpha;
  opt.correction = parse_correction(correction);
  if (!metrics.empty()) opt.metrics = parse_metrics(metrics);
  if (!args.counting.empty()) opt.counting = parse_counting(args.counting);
  const Format format = parse_format(format_name);
  std::error_code ec;
  if (!out_path.empty() && std::filesystem::is_directory(out_path, ec))
    throw ConfigError("--out: " + out_path + " is a directory; expected the report's file name");

  LoadedInputs loaded = load_inputs(inputs);
  if (!args.reference.empty()) loaded.read.push_back(args.reference);
  for (const std::string& s : loaded.skipped) std::cerr << kProg << ": skipped " << s << "\n";
  for (const std::string& e : loaded.excluded) std::cerr << kProg << ": excluded " << e << "\n";
  if (loaded.runs.empty())
    throw RuntimeError("no complete runs found in the inputs (" +
                       std::to_string(loaded.excluded.size()) + " incomplete file(s) excluded)");

  const Analysis a = analyze(loaded.runs, opt);
  // Checked before anything is written, so a refusal leaves every file as it was.
  if (!out_path.empty()) refuse_input("--out", out_path, loaded.read, "a new file name");
  if (!plots_dir.empty()) {
    for (const std::string& p : plot_paths(a, plots_dir))
      refuse_input("--plots", p, loaded.read, "a plot directory that holds no input");
  }
  for (const std::string& n : a.notes) std::cerr << kProg << ": note: " << n << "\n";
  std::string text = render(a, format, loaded.excluded);
  if (!args.reference.empty()) {
    const ReferenceComparison c = compare_with_reference(a, args.reference);
    for (const std::string& n : c.notes) std::cerr << kProg << ": note: " << n << "\n";
    if (format == Format::kMarkdown)
      text += "\n" + render_reference_markdown(c);
    else
      std::cerr << kProg
                << ": note: the comparison with --reference is written only with --format md\n";
  }
  if (out_path.empty()) {
    std::cout << text;
  } else {
    std::ofstream out(out_path);
    if (!out) throw RuntimeError(out_path + ": cannot open output file for writing");
    out << text;
    if (!out) throw RuntimeError(out_path + ": write failed");
  }
  if (!plots_dir.empty()) {
    const std::vector<std::string> written = write_plots(a, plots_dir);
    std::cerr << kProg << ": wrote " << written.size() << " plot(s) to " << plots_dir << "\n";
  }
  return neurocma::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"neurocma-analyze: Mann-Whitney statistics, tables and plots of neurocma results"};
  app.set_version_flag("--version", neurocma::version_string());
  Args args;
  std::vector<std::string>& inputs = args.inputs;
  std::string &format = args.format, &metrics = args.metrics, &plots = args.plots,
              &correction = args.correction, &out = args.out;
  double& alpha = args.alpha;
  app.add_option("inputs", inputs,
                 "HDF5 results files (*.h5), study CSVs (<dataset>.<optimizer>.csv) or "
                 "directories searched recursively")
      ->required();
  app.add_option("--format", format, "output format: md, csv, tex or json")->capture_default_str();
  app.add_option("--alpha", alpha, "significance level of the tests")->capture_default_str();
  app.add_option("--metrics", metrics,
                 "comma-separated metrics (default: time,train_loss,train_acc,val_loss,val_acc,"
                 "test_loss,test_acc,model_evals; also grad_evals,total_evals,study_evals,"
                 "epochs)");
  app.add_option("--counting", args.counting,
                 "evaluation counts: native (optimizer forward/backward samples) or study (the "
                 "earlier study's counter); default study when a study CSV is among the inputs, "
                 "else native");
  app.add_option("--reference", args.reference,
                 "published numbers to compare with (JSON, e.g. "
                 "analysis/reference/study_published.json)");
  app.add_option("--plots", plots, "write SVG plots into this directory");
  app.add_option("--correction", correction, "multiple-comparison correction: none or holm")
      ->capture_default_str();
  app.add_option("--out", out, "write the report to this file instead of stdout");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? neurocma::kExitOk : neurocma::kExitUsage;
  }
  try {
    return run(args);
  } catch (const neurocma::ConfigError& e) {
    std::cerr << kProg << ": error: " << e.what() << "\n";
    return neurocma::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << kProg << ": error: " << e.what() << "\n";
    return neurocma::kExitRuntime;
  }
}

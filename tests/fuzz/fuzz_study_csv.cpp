// libFuzzer target: the study-CSV reader (read_study_csv), as neurocma-analyze
// and a merging write_study_csv use it. The input is the file's content; the
// file is named mnist.layerwise_cmaes.csv (the name gives the data set and the
// optimizer; its parsing is covered by the unit tests). A file that reads
// must also survive being written back and read again with the same rows.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace neurocma;
  const std::string& dir = fuzz::temp_dir();
  const std::string path = dir + "/mnist.layerwise_cmaes.csv";
  fuzz::write_bytes(path, data, size);
  std::vector<RunRecord> runs;
  try {
    runs = read_study_csv(path);
  } catch (const ConfigError&) {
    return 0;
  } catch (const RuntimeError&) {
    return 0;
  }
  for (const RunRecord& r : runs) {
    NEUROCMA_FUZZ_CHECK(r.dataset == "mnist" && r.optimizer == "layerwise_cmaes");
    NEUROCMA_FUZZ_CHECK(r.run_index >= 0);
  }
  if (runs.empty()) return 0;
  // Written back (sorted by run index), it reads back with the same rows.
  std::sort(runs.begin(), runs.end(),
            [](const RunRecord& a, const RunRecord& b) { return a.run_index < b.run_index; });
  write_study_csv(dir + "/out", runs);
  const std::vector<RunRecord> again = read_study_csv(dir + "/out/mnist.layerwise_cmaes.csv");
  NEUROCMA_FUZZ_CHECK(again.size() == runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunResult& a = runs[i].result;
    const RunResult& b = again[i].result;
    NEUROCMA_FUZZ_CHECK(again[i].run_index == runs[i].run_index);
    NEUROCMA_FUZZ_CHECK(b.study_evals == a.study_evals);
    for (const MetricInfo& m : run_metrics()) {
      if (m.final == nullptr) continue;
      const double x = a.*m.final, y = b.*m.final;
      NEUROCMA_FUZZ_CHECK(x == y || (std::isnan(x) && std::isnan(y)));
    }
  }
  return 0;
}

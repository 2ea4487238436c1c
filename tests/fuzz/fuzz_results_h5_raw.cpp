// libFuzzer target: the HDF5 results reader (read_results) on raw file bytes,
// written to results.h5 and read with allow_incomplete. Nearly every mutation
// lands in HDF5's own metadata, so this fuzzes libhdf5's parser more than
// neurocma's reader, and libhdf5 1.10 hangs or crashes on some corrupt files
// (docs/reliability.md, "Fuzzing"): it is run by hand, not in CI.
// fuzz_results_h5 covers the reader's own checks with files libhdf5 wrote.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace neurocma;
  const std::string path = fuzz::temp_dir() + "/results.h5";
  fuzz::write_bytes(path, data, size);
  try {
    const std::vector<RunRecord> runs = read_results(path, true);
    for (const RunRecord& r : runs) NEUROCMA_FUZZ_CHECK(!r.optimizer.empty());
  } catch (const ConfigError&) {
  } catch (const RuntimeError&) {
  }
  return 0;
}

// libFuzzer target: the config parser, both schemas (native and the earlier
// study's format, told apart by their keys), fed as `neurocma run` reads a
// config file: parse_json_text (size, nesting and number checks, then
// nlohmann) and parse_config. A config that parses must also survive what
// run does next with it: --corrected, and the round trip of its resolved form
// through parse_config (config.hpp promises it).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "neurocma/app/config.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/json_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace neurocma;
  const std::string text(reinterpret_cast<const char*>(data), size);
  ExperimentConfig cfg;
  try {
    cfg = parse_config(parse_json_text(text, "fuzz.json"), "fuzz.json");
  } catch (const ConfigError&) {
    return 0;
  } catch (const RuntimeError&) {
    return 0;
  }
  // Accepted: its resolved form is a native config that reads back the same.
  const ExperimentConfig again = parse_config(cfg.resolved, "resolved.json");
  NEUROCMA_FUZZ_CHECK(again.resolved == cfg.resolved);
  apply_corrected_semantics(cfg);
  const ExperimentConfig corrected = parse_config(cfg.resolved, "corrected.json");
  NEUROCMA_FUZZ_CHECK(corrected.resolved == cfg.resolved);
  return 0;
}

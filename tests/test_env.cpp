// Linked into every test program: defaults NEUROCMA_SOURCE_DIR and
// NEUROCMA_BIN_DIR to this build's tree when the environment does not set
// them (ctest's per-test ENVIRONMENT cannot carry a list through
// gtest_discover_tests), so tests never silently skip their reference data.
#include <cstdlib>

namespace {

const int kDefaults = [] {
  setenv("NEUROCMA_SOURCE_DIR", NEUROCMA_TEST_SOURCE_DIR, 0);
  setenv("NEUROCMA_BIN_DIR", NEUROCMA_TEST_BIN_DIR, 0);
  return 0;
}();

}  // namespace

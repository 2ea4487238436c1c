// libFuzzer target: the IDX reader as a data set is loaded. The input is an
// image file followed by a label file, as `cat images labels` gives: the
// images end where their own header says (16 bytes plus count x rows x cols),
// or at the end of the input when the header is not that of an image file.
// Both are written to a directory as train-{images-idx3,labels-idx1}-ubyte and
// read by load_idx_dataset: gzip or plain bytes, parse_idx, then the checks of
// shape (28 x 28, at least one image), label count and label range.
#include <fcntl.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_support.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/data/dataset.hpp"
#include "neurocma/io/data_loader.hpp"

namespace {

std::uint64_t be32(const std::uint8_t* p) {
  return (std::uint64_t{p[0]} << 24) | (std::uint64_t{p[1]} << 16) | (std::uint64_t{p[2]} << 8) |
         std::uint64_t{p[3]};
}

// Length of the image file at the start of the input.
std::size_t images_length(const std::uint8_t* data, std::size_t size) {
  if (size < 16 || be32(data) != 0x00000803u) return size;
  const std::uint64_t pixels = be32(data + 4) * be32(data + 8);  // < 2^64
  const std::uint64_t cols = be32(data + 12);
  if (cols != 0 && pixels > (size - 16) / cols) return size;
  return static_cast<std::size_t>(16 + pixels * cols);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace neurocma;
  const std::string& dir = fuzz::temp_dir();
  const std::size_t split = images_length(data, size);
  const std::string images = dir + "/train-images-idx3-ubyte";
  const std::string labels = dir + "/train-labels-idx1-ubyte";
  fuzz::write_bytes(images, data, split);
  fuzz::write_bytes(labels, data + split, size - split);
  // The loader caches SHA-256 sums by (path, size, mtime). A fixed mtime keeps
  // that cache from growing by two entries per input, which would make
  // libFuzzer scan for leaks after every input (a sum read from the cache for
  // another content only changes the warning line).
  const struct timespec epoch[2] = {{0, 0}, {0, 0}};
  ::utimensat(AT_FDCWD, images.c_str(), epoch, 0);
  ::utimensat(AT_FDCWD, labels.c_str(), epoch, 0);
  std::ostringstream warn;  // unknown checksums: one line each, expected here
  try {
    const Dataset d = load_idx_dataset(dir, "train", "mnist", warn);
    NEUROCMA_FUZZ_CHECK(d.X.rows() == 28 * 28);
    NEUROCMA_FUZZ_CHECK(d.X.cols() > 0 && d.X.cols() == static_cast<Index>(d.y.size()));
    for (int y : d.y) NEUROCMA_FUZZ_CHECK(y >= 0 && y <= 9);
  } catch (const ConfigError&) {
  } catch (const RuntimeError&) {
  }
  return 0;
}

// Parsing of the IDX format (MNIST, Fashion-MNIST) from decompressed bytes.
// File access and gzip live in io/data_loader.hpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurocma/core/types.hpp"

namespace neurocma {

struct IdxArray {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> data;  // unsigned bytes, row-major
};

// Parses an unsigned-byte IDX array (magic 0x00000801 or 0x00000803).
// Throws RuntimeError naming `what` (usually the file name) on bad magic,
// dimensions or length.
IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& what);

// Images (count x rows x cols) to a (rows*cols x count) matrix scaled to [0, 1].
Matrix idx_images_to_matrix(const IdxArray& images);
std::vector<int> idx_labels(const IdxArray& labels);

}  // namespace neurocma

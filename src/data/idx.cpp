// IDX format (LeCun et al., "The MNIST database", file format section): a
// 4-byte big-endian magic 0x0000TTNN (TT = element type, 0x08 = unsigned byte;
// NN = number of dimensions), NN big-endian uint32 sizes, then the elements.
#include "neurocma/data/idx.hpp"

#include <cstdint>
#include <string>

#include "neurocma/core/error.hpp"

namespace neurocma {
namespace {

std::uint32_t read_be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

std::string hex32(std::uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += digits[(v >> shift) & 0xF];
  return s;
}

}  // namespace

IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& what) {
  if (bytes.size() < 4)
    throw RuntimeError(what + ": IDX header truncated (" + std::to_string(bytes.size()) +
                       " bytes)");
  const std::uint32_t magic = read_be32(bytes, 0);
  if (magic != 0x00000801u && magic != 0x00000803u)
    throw RuntimeError(what + ": bad IDX magic number " + hex32(magic) +
                       ", expected 0x00000801 (labels) or 0x00000803 (images) of unsigned bytes");
  const std::size_t ndims = magic & 0xFFu;
  const std::size_t header = 4 + 4 * ndims;
  if (bytes.size() < header)
    throw RuntimeError(what + ": IDX header truncated: " + std::to_string(ndims) +
                       " dimensions need " + std::to_string(header) + " bytes, file has " +
                       std::to_string(bytes.size()));
  IdxArray out;
  std::string shape;
  std::uint64_t count = 1;
  bool overflow = false;
  for (std::size_t d = 0; d < ndims; ++d) {
    const std::uint32_t len = read_be32(bytes, 4 + 4 * d);
    out.dims.push_back(static_cast<std::int64_t>(len));
    shape += (d ? " x " : "") + std::to_string(len);
    if (len != 0 && count > UINT64_MAX / len) overflow = true;
    count *= len;
  }
  const std::uint64_t payload = bytes.size() - header;
  if (overflow || count > payload)
    throw RuntimeError(what + ": IDX data truncated: dimensions " + shape + " need " +
                       (overflow ? std::string("more than 2^64") : std::to_string(count)) +
                       " bytes, file has " + std::to_string(payload));
  if (count < payload)
    throw RuntimeError(what + ": IDX file has " + std::to_string(payload - count) +
                       " trailing bytes after the " + shape + " data");
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return out;
}

Matrix idx_images_to_matrix(const IdxArray& images) {
  if (images.dims.size() != 3)
    throw RuntimeError("IDX images: expected 3 dimensions (count x rows x cols), got " +
                       std::to_string(images.dims.size()));
  const Index count = images.dims[0];
  const Index pixels = images.dims[1] * images.dims[2];
  Matrix X(pixels, count);
  // The file is image-major with row-major pixels, which is exactly the
  // column-major layout of a (pixels x count) matrix.
  const std::uint8_t* src = images.data.data();
  double* dst = X.data();
  const std::size_t total = static_cast<std::size_t>(pixels) * static_cast<std::size_t>(count);
  for (std::size_t i = 0; i < total; ++i) dst[i] = static_cast<double>(src[i]) / 255.0;
  return X;
}

std::vector<int> idx_labels(const IdxArray& labels) {
  if (labels.dims.size() != 1)
    throw RuntimeError("IDX labels: expected 1 dimension, got " +
                       std::to_string(labels.dims.size()));
  return std::vector<int>(labels.data.begin(), labels.data.end());
}

}  // namespace neurocma

// IDX parsing and gzip file reading: valid files and every malformed case.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "neurocma/core/error.hpp"
#include "neurocma/data/idx.hpp"
#include "neurocma/io/data_loader.hpp"

namespace neurocma {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put_be32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

// An IDX image file of n images of rows x cols with pixel (k, i, j) = (k + 3i + 5j) % 256.
Bytes make_images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
  Bytes b;
  put_be32(b, 0x00000803);
  put_be32(b, n);
  put_be32(b, rows);
  put_be32(b, cols);
  for (std::uint32_t k = 0; k < n; ++k)
    for (std::uint32_t i = 0; i < rows; ++i)
      for (std::uint32_t j = 0; j < cols; ++j)
        b.push_back(static_cast<std::uint8_t>((k + 3 * i + 5 * j) % 256));
  return b;
}

Bytes make_labels(const std::vector<std::uint8_t>& labels) {
  Bytes b;
  put_be32(b, 0x00000801);
  put_be32(b, static_cast<std::uint32_t>(labels.size()));
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

std::string expect_runtime_error(const Bytes& b) {
  try {
    parse_idx(b, "file.idx");
  } catch (const RuntimeError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_idx accepted malformed input";
  return "";
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "neurocma_idx_XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  std::string file(const std::string& leaf) const { return m_path + "/" + leaf; }

 private:
  std::string m_path;
};

void write_raw(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

TEST(Idx, ParsesImagesAndScalesToUnitInterval) {
  const IdxArray a = parse_idx(make_images(3, 2, 4), "img");
  ASSERT_EQ(a.dims, (std::vector<std::int64_t>{3, 2, 4}));
  ASSERT_EQ(a.data.size(), 24u);
  const Matrix X = idx_images_to_matrix(a);
  ASSERT_EQ(X.rows(), 8);
  ASSERT_EQ(X.cols(), 3);
  // Column k holds image k; row r = i * cols + j (row-major pixels).
  for (int k = 0; k < 3; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 4; ++j)
        EXPECT_DOUBLE_EQ(X(i * 4 + j, k), ((k + 3 * i + 5 * j) % 256) / 255.0);
}

TEST(Idx, FullRangeMapsToZeroAndOne) {
  Bytes b;
  put_be32(b, 0x00000803);
  put_be32(b, 1);
  put_be32(b, 1);
  put_be32(b, 2);
  b.push_back(0);
  b.push_back(255);
  const Matrix X = idx_images_to_matrix(parse_idx(b, "img"));
  EXPECT_EQ(X(0, 0), 0.0);
  EXPECT_EQ(X(1, 0), 1.0);
}

TEST(Idx, ParsesLabels) {
  const IdxArray a = parse_idx(make_labels({7, 0, 9, 3}), "lab");
  ASSERT_EQ(a.dims, (std::vector<std::int64_t>{4}));
  EXPECT_EQ(idx_labels(a), (std::vector<int>{7, 0, 9, 3}));
}

TEST(Idx, ShapeMismatchBetweenKinds) {
  EXPECT_THROW(idx_labels(parse_idx(make_images(1, 2, 2), "img")), RuntimeError);
  EXPECT_THROW(idx_images_to_matrix(parse_idx(make_labels({1}), "lab")), RuntimeError);
}

TEST(Idx, RejectsWrongMagic) {
  Bytes b = make_labels({1, 2});
  b[2] = 0x0D;  // float element type
  EXPECT_NE(expect_runtime_error(b).find("magic"), std::string::npos);
  Bytes c = make_labels({1, 2});
  c[0] = 0x01;
  EXPECT_NE(expect_runtime_error(c).find("file.idx"), std::string::npos);
}

TEST(Idx, RejectsWrongDimensionCount) {
  // Unsigned bytes but two dimensions: neither labels nor images.
  Bytes b;
  put_be32(b, 0x00000802);
  put_be32(b, 2);
  put_be32(b, 2);
  b.insert(b.end(), 4, 0);
  EXPECT_NE(expect_runtime_error(b).find("magic"), std::string::npos);
  // Image magic whose header stops after two of the three sizes.
  Bytes c;
  put_be32(c, 0x00000803);
  put_be32(c, 1);
  put_be32(c, 2);
  EXPECT_NE(expect_runtime_error(c).find("header truncated"), std::string::npos);
  EXPECT_THROW(parse_idx(Bytes{0, 0}, "tiny"), RuntimeError);
}

TEST(Idx, RejectsTruncatedData) {
  Bytes b = make_images(2, 3, 3);
  b.pop_back();
  const std::string msg = expect_runtime_error(b);
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2 x 3 x 3"), std::string::npos) << msg;
}

TEST(Idx, RejectsTrailingBytes) {
  Bytes b = make_labels({1, 2, 3});
  b.push_back(0);
  const std::string msg = expect_runtime_error(b);
  EXPECT_NE(msg.find("trailing"), std::string::npos) << msg;
}

TEST(Idx, RejectsOverflowingDimensions) {
  Bytes b;
  put_be32(b, 0x00000803);
  for (int i = 0; i < 3; ++i) put_be32(b, 0xFFFFFFFFu);
  b.insert(b.end(), 10, 0);
  EXPECT_NE(expect_runtime_error(b).find("truncated"), std::string::npos);
}

TEST(GzFile, RoundTripAndPlainFiles) {
  TempDir dir;
  const Bytes data = make_images(5, 28, 28);
  write_gz_file(dir.file("a.gz"), data);
  EXPECT_EQ(read_gz_file(dir.file("a.gz")), data);
  // The file on disk really is gzip (magic 1f 8b), and plain files read unchanged.
  std::ifstream in(dir.file("a.gz"), std::ios::binary);
  EXPECT_EQ(in.get(), 0x1f);
  EXPECT_EQ(in.get(), 0x8b);
  write_raw(dir.file("plain"), data);
  EXPECT_EQ(read_gz_file(dir.file("plain")), data);
  write_raw(dir.file("empty"), {});
  EXPECT_TRUE(read_gz_file(dir.file("empty")).empty());
}

TEST(GzFile, MissingFileNamesThePath) {
  TempDir dir;
  try {
    read_gz_file(dir.file("nope.gz"));
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.gz"), std::string::npos) << e.what();
  }
}

TEST(GzFile, CorruptGzipIsAnError) {
  TempDir dir;
  // A gzip header followed by bytes that are not a deflate stream.
  write_raw(dir.file("bad.gz"), {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0xff, 0xff, 0xff,
                                 0xff, 0x12, 0x34, 0x56, 0x78});
  try {
    read_gz_file(dir.file("bad.gz"));
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.gz"), std::string::npos) << e.what();
  }
}

TEST(GzFile, TruncatedGzipIsAnError) {
  TempDir dir;
  write_gz_file(dir.file("full.gz"), make_images(20, 28, 28));
  std::ifstream in(dir.file("full.gz"), std::ios::binary);
  Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gz.resize(gz.size() / 2);
  write_raw(dir.file("half.gz"), gz);
  EXPECT_THROW(read_gz_file(dir.file("half.gz")), RuntimeError);
}

TEST(GzFile, CorruptChecksumIsAnError) {
  TempDir dir;
  write_gz_file(dir.file("full.gz"), make_labels({1, 2, 3, 4, 5}));
  std::ifstream in(dir.file("full.gz"), std::ios::binary);
  Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gz[gz.size() - 6] ^= 0xFF;  // inside the CRC-32 trailer
  write_raw(dir.file("crc.gz"), gz);
  EXPECT_THROW(read_gz_file(dir.file("crc.gz")), RuntimeError);
}

}  // namespace
}  // namespace neurocma

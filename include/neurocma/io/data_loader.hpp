// Loading and splitting the configured data set: Iris from CSV, MNIST and
// Fashion-MNIST from gzip IDX files found on the search path. See docs/data.md.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "neurocma/data/dataset.hpp"
#include "neurocma/data/dataset_config.hpp"

namespace neurocma {

// Directories searched for `name` ("mnist", "fashion-mnist"), in order:
// explicit dir (--data-dir / dataset.data_dir) and DIR/<name>,
// $NEUROCMA_DATA_DIR (the directory itself and DIR/<name>), the per-user cache
// ($XDG_CACHE_HOME or ~/.cache)/neurocma/<name>, /usr/share/datasets/<name>.
std::vector<std::string> data_search_path(const std::string& name, const std::string& explicit_dir);

// The first directory of data_search_path holding all four IDX files (each
// gzip-compressed with .gz or plain). Throws RuntimeError listing the
// directories searched and suggesting `neurocma fetch-data <name>`.
std::string find_dataset_dir(const std::string& name, const std::string& explicit_dir);

// ($XDG_CACHE_HOME or $HOME/.cache)/neurocma/<name>; empty when neither is set.
std::string user_cache_dir(const std::string& name);

// The four IDX base names (no .gz): train images, train labels, test images, test labels.
const std::vector<std::string>& idx_file_names();

// SHA-256 of the decompressed official files of "mnist" or "fashion-mnist",
// keyed by idx_file_names(); empty map for other names.
std::map<std::string, std::string> known_checksums(const std::string& name);

// Default download mirror (URL ending in '/') of "mnist" or "fashion-mnist".
std::string default_mirror(const std::string& name);

// Reads a gzip (or plain) file fully. Throws RuntimeError naming the file.
std::vector<std::uint8_t> read_gz_file(const std::string& path);

// Writes bytes gzip-compressed (test fixtures, local mirrors). Throws RuntimeError.
void write_gz_file(const std::string& path, const std::vector<std::uint8_t>& bytes);

// SHA-256 (FIPS 180-4) of bytes as lowercase hex.
std::string sha256_hex(const std::vector<std::uint8_t>& bytes);

// Reads DIR/<prefix>-images-idx3-ubyte[.gz] and DIR/<prefix>-labels-idx1-ubyte[.gz]
// (prefix "train" or "t10k") into an unpooled data set: X is (rows*cols x count)
// in [0, 1]. Files whose SHA-256 is not the known one of `name` get one warning
// line on `warn`; files known to belong to another data set are an error.
Dataset load_idx_dataset(const std::string& dir, const std::string& prefix, const std::string& name,
                         std::ostream& warn);

// Loads the splits for one run. data_seed decides the split; warnings (e.g.
// unknown checksum) go to `warn`. Iris comes from DATA_DIR/iris.csv,
// DATA_DIR/iris/iris.csv ($NEUROCMA_DATA_DIR likewise) or the built-in copy.
Splits load_splits(const DatasetConfig& cfg, std::uint64_t data_seed, std::ostream& warn);

// Downloads the official files of `name` into `dest` (empty: user_cache_dir),
// verifying SHA-256 sums of the decompressed content. `base_url` overrides the
// mirror (file:// URLs work, for tests); empty means default_mirror(name).
void fetch_dataset(const std::string& name, const std::string& dest, const std::string& base_url,
                   std::ostream& log);

// As above with explicit expected sums (keyed by idx_file_names()), so tests
// can serve synthetic files from a file:// mirror.
void fetch_dataset(const std::string& name, const std::string& dest, const std::string& base_url,
                   const std::map<std::string, std::string>& expected_sha256, std::ostream& log);

}  // namespace neurocma

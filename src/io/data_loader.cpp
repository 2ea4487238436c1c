// Finding, reading, checking and splitting the data sets, and downloading the
// official MNIST / Fashion-MNIST files. docs/data.md describes the behaviour.
#include "neurocma/io/data_loader.hpp"

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <ostream>
#include <sstream>

#include "neurocma/core/error.hpp"
#include "neurocma/core/memory.hpp"
#include "neurocma/core/rng.hpp"
#include "neurocma/data/idx.hpp"
#include "neurocma/data/iris.hpp"
#include "neurocma/data/split.hpp"
#include "neurocma/data/transform.hpp"

extern char** environ;

namespace neurocma {
namespace fs = std::filesystem;
namespace {

const char* kTrainImages = "train-images-idx3-ubyte";
const char* kTrainLabels = "train-labels-idx1-ubyte";
const char* kTestImages = "t10k-images-idx3-ubyte";
const char* kTestLabels = "t10k-labels-idx1-ubyte";

std::string env(const char* var) {
  const char* v = std::getenv(var);
  return v ? std::string(v) : std::string();
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string join(const std::string& dir, const std::string& leaf) {
  if (dir.empty() || dir.back() == '/') return dir + leaf;
  return dir + "/" + leaf;
}

// DIR/base.gz if present, else DIR/base if present, else "".
std::string idx_path(const std::string& dir, const std::string& base) {
  const std::string gz = join(dir, base + ".gz");
  if (is_file(gz)) return gz;
  const std::string plain = join(dir, base);
  if (is_file(plain)) return plain;
  return "";
}

bool is_image_dataset(const std::string& name) {
  return name == "mnist" || name == "fashion-mnist";
}

// SHA-256 of decompressed files, cached per (path, size, mtime) so repeated
// runs in one process hash each 47 MB file once.
std::string cached_sha256(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  static std::mutex mutex;
  static std::map<std::string, std::string> cache;
  struct stat st {};
  std::string key;
  if (::stat(path.c_str(), &st) == 0)
    key = path + "|" + std::to_string(st.st_size) + "|" + std::to_string(st.st_mtim.tv_sec) + "." +
          std::to_string(st.st_mtim.tv_nsec);
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (!key.empty() && it != cache.end()) return it->second;
  }
  std::string sum = sha256_hex(bytes);
  std::lock_guard<std::mutex> lock(mutex);
  if (!key.empty()) cache[key] = sum;
  return sum;
}

// Warns (one line) about an unknown checksum; throws when the file is a known
// file of a different data set (e.g. MNIST files found while looking for Fashion-MNIST).
void check_sum(const std::string& name, const std::string& base, const std::string& path,
               const std::vector<std::uint8_t>& bytes, std::ostream& warn) {
  const std::string sum = cached_sha256(path, bytes);
  const auto known = known_checksums(name);
  const auto it = known.find(base);
  if (it != known.end() && it->second == sum) return;
  for (const char* other : {"mnist", "fashion-mnist"}) {
    if (other == name) continue;
    const auto theirs = known_checksums(other);
    const auto jt = theirs.find(base);
    if (jt != theirs.end() && jt->second == sum)
      throw RuntimeError(path + ": this is the official " + other + " file, not " + name +
                         "; point the data directory at the " + name + " files");
  }
  warn << "neurocma: warning: " << path << ": unknown SHA-256 " << sum << " (not the official "
       << name << " file); using it anyway\n";
}

std::string read_text_file(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_gz_file(path);
  return std::string(bytes.begin(), bytes.end());
}

// The iris.csv a config reads: the first of data_dir and $NEUROCMA_DATA_DIR
// (each DIR/iris.csv, then DIR/iris/iris.csv), else "" for the built-in copy.
std::string iris_file(const DatasetConfig& cfg) {
  for (const std::string& dir : {cfg.data_dir, env("NEUROCMA_DATA_DIR")}) {
    if (dir.empty()) continue;
    for (const std::string& path : {join(dir, "iris.csv"), join(dir, "iris/iris.csv")})
      if (is_file(path)) return path;
  }
  return "";
}

Dataset load_iris(const DatasetConfig& cfg) {
  const std::string path = iris_file(cfg);
  if (!path.empty()) return parse_iris_csv(read_text_file(path), path);
  return parse_iris_csv(embedded_iris_csv(), "built-in iris.csv");
}

void standardize(Splits& s) {
  const Standardizer st = Standardizer::fit(s.train.X);
  st.apply(s.train.X);
  if (s.val.size() > 0) st.apply(s.val.X);
  if (s.test.size() > 0) st.apply(s.test.X);
}

// Decompressed size from a gzip file's ISIZE trailer (size mod 2^32, RFC 1952),
// to allocate once; 0 when the file is not gzip or the hint is implausible.
std::size_t gzip_size_hint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  if (!in.read(reinterpret_cast<char*>(magic), 2) || magic[0] != 0x1f || magic[1] != 0x8b) return 0;
  unsigned char trailer[4];
  if (!in.seekg(-4, std::ios::end) || !in.read(reinterpret_cast<char*>(trailer), 4)) return 0;
  const std::size_t isize = std::size_t{trailer[0]} | (std::size_t{trailer[1]} << 8) |
                            (std::size_t{trailer[2]} << 16) | (std::size_t{trailer[3]} << 24);
  return isize <= (std::size_t{1} << 30) ? isize : 0;
}

// Runs argv[0] from PATH without a shell. Returns the exit status, or -1 when
// the program could not be started.
int run_program(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) {
    // posix_spawnp may report a failed exec as exit code 127 from the child.
    return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
  }
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void download(const std::string& url, const std::string& out) {
  int rc = run_program({"curl", "--fail", "--silent", "--show-error", "--location", "--retry", "2",
                        "--output", out, url});
  std::string tool = "curl";
  if (rc == -1) {
    tool = "wget";
    rc = run_program({"wget", "--quiet", "--tries=3", "--output-document=" + out, url});
  }
  if (rc == -1)
    throw RuntimeError("cannot download " + url + ": neither curl nor wget could be run");
  if (rc != 0)
    throw RuntimeError("download of " + url + " failed (" + tool + " exit code " +
                       std::to_string(rc) + ")");
}

}  // namespace

std::string user_cache_dir(const std::string& name) {
  std::string base = env("XDG_CACHE_HOME");
  if (base.empty()) {
    const std::string home = env("HOME");
    if (home.empty()) return "";
    base = join(home, ".cache");
  }
  return join(join(base, "neurocma"), name);
}

std::vector<std::string> data_search_path(const std::string& name,
                                          const std::string& explicit_dir) {
  std::vector<std::string> dirs;
  for (const std::string& dir : {explicit_dir, env("NEUROCMA_DATA_DIR")}) {
    if (dir.empty()) continue;
    dirs.push_back(dir);
    dirs.push_back(join(dir, name));
  }
  const std::string cache = user_cache_dir(name);
  if (!cache.empty()) dirs.push_back(cache);
  dirs.push_back("/usr/share/datasets/" + name);
  return dirs;
}

std::string find_dataset_dir(const std::string& name, const std::string& explicit_dir) {
  const std::vector<std::string> dirs = data_search_path(name, explicit_dir);
  for (const std::string& dir : dirs) {
    bool all = true;
    for (const std::string& base : idx_file_names()) all = all && !idx_path(dir, base).empty();
    if (all) return dir;
  }
  std::string list;
  for (const std::string& dir : dirs) list += (list.empty() ? "" : ", ") + dir;
  throw RuntimeError("data set '" + name + "' not found: no directory holds its four IDX files (" +
                     kTrainImages + "[.gz] etc.); searched " + list +
                     "; run `neurocma fetch-data " + name + "` or set NEUROCMA_DATA_DIR");
}

const std::vector<std::string>& idx_file_names() {
  static const std::vector<std::string> names = {kTrainImages, kTrainLabels, kTestImages,
                                                 kTestLabels};
  return names;
}

std::map<std::string, std::string> known_checksums(const std::string& name) {
  // SHA-256 of the decompressed files. The sums often quoted for MNIST
  // (440fcabf..., 3552534a..., 8d422c7b..., f7ae60f9...) are of the .gz
  // archives, whose bytes depend on the compressor, so we hash the content.
  if (name == "mnist")
    return {{kTrainImages, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
            {kTrainLabels, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
            {kTestImages, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
            {kTestLabels, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"}};
  // Computed from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist),
  // which ships the official files of Xiao, Rasul & Vollgraf (2017).
  if (name == "fashion-mnist")
    return {{kTrainImages, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
            {kTrainLabels, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
            {kTestImages, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
            {kTestLabels, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"}};
  return {};
}

std::string default_mirror(const std::string& name) {
  if (name == "mnist") return "https://ossci-datasets.s3.amazonaws.com/mnist/";
  if (name == "fashion-mnist") return "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
  throw ConfigError("unknown data set '" + name + "': expected mnist or fashion-mnist");
}

std::vector<std::uint8_t> read_gz_file(const std::string& path) {
  if (!is_file(path))
    throw RuntimeError(
        path + ": cannot open: " +
        (::access(path.c_str(), F_OK) == 0 ? "not a regular file" : std::strerror(ENOENT)));
  gzFile f = ::gzopen(path.c_str(), "rb");
  if (!f) throw RuntimeError(path + ": cannot open: " + std::strerror(errno));
  std::vector<std::uint8_t> out;
  out.reserve(gzip_size_hint(path));
  // 64 KiB chunks: as fast as larger ones on the 47 MB MNIST file (0.39 s either
  // way), and a small file does not pay for zero-filling a larger buffer.
  std::vector<std::uint8_t> buf(1 << 16);
  for (;;) {
    const int n = ::gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int err = 0;
      const std::string msg = ::gzerror(f, &err);
      ::gzclose(f);
      throw RuntimeError(path + ": corrupt gzip data: " + msg);
    }
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  // A truncated stream ends reads early with Z_BUF_ERROR instead of failing them.
  int err = Z_OK;
  const std::string msg = ::gzerror(f, &err);
  ::gzclose(f);
  if (err != Z_OK) throw RuntimeError(path + ": corrupt or truncated gzip data: " + msg);
  return out;
}

void write_gz_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  gzFile f = ::gzopen(path.c_str(), "wb");
  if (!f) throw RuntimeError(path + ": cannot create: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const unsigned chunk =
        static_cast<unsigned>(std::min<std::size_t>(bytes.size() - done, 1 << 20));
    if (::gzwrite(f, bytes.data() + done, chunk) != static_cast<int>(chunk)) {
      ::gzclose(f);
      throw RuntimeError(path + ": write failed");
    }
    done += chunk;
  }
  if (::gzclose(f) != Z_OK) throw RuntimeError(path + ": write failed on close");
}

namespace {

// Images and labels of one IDX pair, still as bytes (a 60000-image file is
// 47 MB as bytes but 376 MB as doubles, so conversion waits for limit and pooling).
struct RawIdx {
  IdxArray images;
  std::vector<int> labels;
  Index count() const { return static_cast<Index>(labels.size()); }
};

RawIdx load_raw(const std::string& dir, const std::string& prefix, const std::string& name,
                std::ostream& warn) {
  const std::string img_base = prefix + "-images-idx3-ubyte";
  const std::string lab_base = prefix + "-labels-idx1-ubyte";
  const std::string img_path = idx_path(dir, img_base);
  const std::string lab_path = idx_path(dir, lab_base);
  if (img_path.empty() || lab_path.empty())
    throw RuntimeError(join(dir, (img_path.empty() ? img_base : lab_base) + "[.gz]") +
                       ": file not found");
  RawIdx raw;
  {
    const std::vector<std::uint8_t> bytes = read_gz_file(img_path);
    check_sum(name, img_base, img_path, bytes, warn);
    raw.images = parse_idx(bytes, img_path);
  }
  if (raw.images.dims.size() != 3)
    throw RuntimeError(img_path + ": expected an image file (3 dimensions), got " +
                       std::to_string(raw.images.dims.size()) + " dimension(s)");
  // Both image data sets are 28 x 28; other shapes are some other data set.
  if (raw.images.dims[1] != 28 || raw.images.dims[2] != 28)
    throw RuntimeError(img_path + ": images of " + std::to_string(raw.images.dims[1]) + " x " +
                       std::to_string(raw.images.dims[2]) + " pixels; expected 28 x 28 for " +
                       name);
  if (raw.images.dims[0] == 0) throw RuntimeError(img_path + ": holds no images");
  const std::vector<std::uint8_t> bytes = read_gz_file(lab_path);
  check_sum(name, lab_base, lab_path, bytes, warn);
  const IdxArray labels = parse_idx(bytes, lab_path);
  if (labels.dims.size() != 1)
    throw RuntimeError(lab_path + ": expected a label file (1 dimension), got " +
                       std::to_string(labels.dims.size()) + " dimensions");
  raw.labels = idx_labels(labels);
  if (raw.count() != raw.images.dims[0])
    throw RuntimeError(lab_path + ": " + std::to_string(raw.labels.size()) + " labels for " +
                       std::to_string(raw.images.dims[0]) + " images in " + img_path);
  for (std::size_t i = 0; i < raw.labels.size(); ++i)
    if (raw.labels[i] > 9)
      throw RuntimeError(lab_path + ": label " + std::to_string(raw.labels[i]) + " of sample " +
                         std::to_string(i) + " is not a class 0..9");
  return raw;
}

// Keeps the first n samples.
void truncate(RawIdx& raw, Index n) {
  if (n >= raw.count()) return;
  const std::size_t pixels = static_cast<std::size_t>(raw.images.dims[1] * raw.images.dims[2]);
  raw.images.dims[0] = n;
  raw.images.data.resize(pixels * static_cast<std::size_t>(n));
  raw.labels.resize(static_cast<std::size_t>(n));
}

// Converts to [0, 1] doubles and pools, a block of images at a time.
Dataset to_dataset(const RawIdx& raw, const std::string& name, int pool) {
  const std::int64_t rows = raw.images.dims[1], cols = raw.images.dims[2];
  if (pool != 1 && rows != cols)
    throw RuntimeError(name + ": images of " + std::to_string(rows) + " x " + std::to_string(cols) +
                       " pixels are not square; cannot pool");
  const Index pixels = rows * cols;
  const Index out_pixels = pixels / (static_cast<Index>(pool) * pool);
  if (pool != 1 && rows % pool != 0)
    throw ConfigError("dataset.pool " + std::to_string(pool) + " does not divide image side " +
                      std::to_string(rows));
  Dataset d;
  d.name = name;
  d.num_classes = 10;
  d.y = raw.labels;
  d.X.resize(out_pixels, raw.count());
  const Index block = 4096;
  for (Index first = 0; first < raw.count(); first += block) {
    const Index n = std::min(block, raw.count() - first);
    IdxArray part;
    part.dims = {n, rows, cols};
    const auto begin = raw.images.data.begin() + static_cast<std::ptrdiff_t>(first * pixels);
    part.data.assign(begin, begin + static_cast<std::ptrdiff_t>(n * pixels));
    const Matrix X = idx_images_to_matrix(part);
    d.X.middleCols(first, n) = pool == 1 ? X : average_pool(X, static_cast<int>(rows), pool);
  }
  return d;
}

// A split smaller than the number of classes cannot hold one sample of each:
// its loss and accuracy would be noise, and an empty one would be stored as a
// loss of 0 and early stopping would fire on it.
void check_split_sizes(const DatasetConfig& cfg, const std::string& source, const Splits& s) {
  const Index classes = s.train.num_classes > 0 ? s.train.num_classes : 1;
  const Index total = s.train.size() + s.val.size() + s.test.size();
  const std::pair<const char*, Index> splits[] = {
      {"training", s.train.size()}, {"validation", s.val.size()}, {"test", s.test.size()}};
  for (const auto& [split, n] : splits) {
    if (n >= classes) continue;
    std::string keys = cfg.split == SplitKind::kOfficial && cfg.name != "iris"
                           ? "dataset.val_size and dataset.limit"
                           : "dataset.train_ratio, val_ratio and test_ratio";
    if (cfg.limit > 0) keys += " (and dataset.limit)";
    throw ConfigError(source + ": the " + split + " split has " + std::to_string(n) +
                      " sample(s) (train " + std::to_string(s.train.size()) + ", validation " +
                      std::to_string(s.val.size()) + ", test " + std::to_string(s.test.size()) +
                      " of " + std::to_string(total) + "); expected at least " +
                      std::to_string(classes) + ", one per class: adjust " + keys);
  }
}

}  // namespace

Dataset load_idx_dataset(const std::string& dir, const std::string& prefix, const std::string& name,
                         std::ostream& warn) {
  return to_dataset(load_raw(dir, prefix, name, warn), name, 1);
}

Splits load_splits(const DatasetConfig& cfg, std::uint64_t data_seed, std::ostream& warn) {
  Rng rng(data_seed, 0, Stream::kSplit);
  Splits s;
  // Fitted on every sample before the split (standardize_on "all", the study's way).
  Standardizer on_all;
  const bool fit_all = cfg.standardize && cfg.standardize_on == StandardizeOn::kAll;
  // What a split-size error names: the data file, or the data set.
  std::string source = "dataset '" + cfg.name + "'";
  if (cfg.name == "iris") {
    const std::string file = iris_file(cfg);
    if (!file.empty()) source = file;
    Dataset all = load_iris(cfg);
    if (fit_all) {
      on_all = Standardizer::fit(all.X);
      on_all.apply(all.X);
    }
    const SplitIndices idx =
        cfg.split == SplitKind::kSklearn
            ? sklearn_split(all.y, cfg.train_ratio, cfg.val_ratio, cfg.test_ratio, data_seed)
            : stratified_split(all.y, all.num_classes, cfg.train_ratio, cfg.val_ratio, rng);
    s.train = all.subset(idx.train);
    s.val = all.subset(idx.val);
    s.test = all.subset(idx.test);
  } else if (is_image_dataset(cfg.name)) {
    if (cfg.pool < 1)
      throw ConfigError("dataset.pool " + std::to_string(cfg.pool) + ": expected an integer >= 1");
    if (cfg.limit < 0)
      throw ConfigError("dataset.limit " + std::to_string(cfg.limit) + ": expected >= 0");
    const std::string dir = find_dataset_dir(cfg.name, cfg.data_dir);
    source = "dataset '" + cfg.name + "' in " + dir;
    RawIdx train_raw = load_raw(dir, "train", cfg.name, warn);
    if (cfg.limit > 0) truncate(train_raw, cfg.limit);
    Dataset train = to_dataset(train_raw, cfg.name, cfg.pool);
    train_raw = RawIdx{};
    if (fit_all) {
      on_all = Standardizer::fit(train.X);
      on_all.apply(train.X);
    }
    if (cfg.split == SplitKind::kOfficial) {
      Index val = cfg.val_size;
      if (val < 0) throw ConfigError("dataset.val_size " + std::to_string(val) + ": expected >= 0");
      // Small smoke-test subsets keep a sixth for validation instead of failing.
      if (val >= train.size()) val = train.size() / 6;
      const SplitIndices idx = holdout_split(train.size(), val, rng);
      RawIdx test_raw = load_raw(dir, "t10k", cfg.name, warn);
      if (cfg.limit > 0) truncate(test_raw, std::max<Index>(1, cfg.limit / 6));
      s.val = train.subset(idx.val);
      s.train = train.subset(idx.train);
      s.test = to_dataset(test_raw, cfg.name, cfg.pool);
      if (fit_all) on_all.apply(s.test.X);
    } else {
      const SplitIndices idx =
          cfg.split == SplitKind::kSklearn
              ? sklearn_split(train.y, cfg.train_ratio, cfg.val_ratio, cfg.test_ratio, data_seed)
          : cfg.stratify
              ? stratified_split(train.y, train.num_classes, cfg.train_ratio, cfg.val_ratio, rng)
              : random_split(train.size(), cfg.train_ratio, cfg.val_ratio, rng);
      s.train = train.subset(idx.train);
      s.val = train.subset(idx.val);
      s.test = train.subset(idx.test);
    }
  } else {
    throw ConfigError("dataset.name '" + cfg.name + "': expected iris, mnist or fashion-mnist");
  }
  check_split_sizes(cfg, source, s);
  if (cfg.standardize && !fit_all) standardize(s);
  // Mini-batches read random columns of the training set: huge pages spare a
  // TLB miss per sample (include/neurocma/core/memory.hpp).
  advise_huge_pages(s.train.X.data(), sizeof(double) * static_cast<std::size_t>(s.train.X.size()));
  return s;
}

void fetch_dataset(const std::string& name, const std::string& dest, const std::string& base_url,
                   std::ostream& log) {
  if (!is_image_dataset(name))
    throw ConfigError("fetch-data: unknown data set '" + name +
                      "': expected mnist or fashion-mnist");
  fetch_dataset(name, dest, base_url, known_checksums(name), log);
}

void fetch_dataset(const std::string& name, const std::string& dest, const std::string& base_url,
                   const std::map<std::string, std::string>& expected_sha256, std::ostream& log) {
  const std::string dir = dest.empty() ? user_cache_dir(name) : dest;
  if (dir.empty())
    throw ConfigError("fetch-data: no destination: give --dest or set HOME or XDG_CACHE_HOME");
  std::string url_base = base_url.empty() ? default_mirror(name) : base_url;
  if (url_base.back() != '/') url_base += '/';
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw RuntimeError(dir + ": cannot create directory: " + ec.message());
  for (const std::string& base : idx_file_names()) {
    const auto it = expected_sha256.find(base);
    if (it == expected_sha256.end())
      throw RuntimeError("fetch-data: no known SHA-256 for " + name + " file " + base);
    const std::string final_path = join(dir, base + ".gz");
    if (is_file(final_path)) {
      try {
        if (sha256_hex(read_gz_file(final_path)) == it->second) {
          log << final_path << ": present, checksum OK\n";
          continue;
        }
      } catch (const RuntimeError&) {
        // Unreadable leftovers are simply downloaded again.
      }
    }
    const std::string url = url_base + base + ".gz";
    const std::string tmp = final_path + ".partial";
    log << "downloading " << url << "\n" << std::flush;
    try {
      download(url, tmp);
      const std::string sum = sha256_hex(read_gz_file(tmp));
      if (sum != it->second)
        throw RuntimeError(url + ": SHA-256 of the decompressed content is " + sum + ", expected " +
                           it->second + "; download deleted");
    } catch (...) {
      fs::remove(tmp, ec);
      throw;
    }
    fs::rename(tmp, final_path, ec);
    if (ec) throw RuntimeError(final_path + ": cannot rename downloaded file: " + ec.message());
    log << final_path << ": checksum OK\n";
  }
  log << name << " ready in " << dir << "\n";
}

}  // namespace neurocma

// Data layer: pooling (with a torch reference), standardisation, splits, Iris
// parsing, the data search path, checksums, MNIST loading and fetch-data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "env_guard.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/core/rng.hpp"
#include "neurocma/data/iris.hpp"
#include "neurocma/data/split.hpp"
#include "neurocma/data/transform.hpp"
#include "neurocma/io/data_loader.hpp"

namespace neurocma {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

std::string source_dir() {
  if (const char* s = std::getenv("NEUROCMA_SOURCE_DIR")) return s;
  return fs::path(__FILE__).parent_path().parent_path().parent_path().string();
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "neurocma_data_XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  const std::string& path() const { return m_path; }
  std::string sub(const std::string& leaf) const {
    fs::create_directories(m_path + "/" + leaf);
    return m_path + "/" + leaf;
  }

 private:
  std::string m_path;
};

// Sets (or with nullptr unsets) an environment variable for one scope.

// Keeps the real environment (a developer's cache, CI's data dir) out of a test.
struct IsolatedEnv {
  TempDir home;
  EnvGuard data{"NEUROCMA_DATA_DIR", nullptr};
  EnvGuard xdg{"XDG_CACHE_HOME", home.path() + "/cache"};
  EnvGuard h{"HOME", home.path()};
};

void put_be32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

// Synthetic 28x28 images whose first pixel encodes the label (label * 20) and
// whose other pixels vary with the sample, so misaligned subsets are caught.
Bytes synth_images(std::uint32_t n, std::uint32_t offset) {
  Bytes b;
  put_be32(b, 0x00000803);
  put_be32(b, n);
  put_be32(b, 28);
  put_be32(b, 28);
  for (std::uint32_t k = 0; k < n; ++k) {
    b.push_back(static_cast<std::uint8_t>(((k + offset) % 10) * 20));
    for (std::uint32_t p = 1; p < 784; ++p)
      b.push_back(static_cast<std::uint8_t>((k * 7 + p) % 251));
  }
  return b;
}

Bytes synth_labels(std::uint32_t n, std::uint32_t offset) {
  Bytes b;
  put_be32(b, 0x00000801);
  put_be32(b, n);
  for (std::uint32_t k = 0; k < n; ++k) b.push_back(static_cast<std::uint8_t>((k + offset) % 10));
  return b;
}

struct SynthFiles {
  std::map<std::string, Bytes> content;  // base name -> decompressed bytes
  std::map<std::string, std::string> sums;
};

SynthFiles write_synthetic_set(const std::string& dir, std::uint32_t n_train,
                               std::uint32_t n_test) {
  SynthFiles f;
  f.content["train-images-idx3-ubyte"] = synth_images(n_train, 0);
  f.content["train-labels-idx1-ubyte"] = synth_labels(n_train, 0);
  f.content["t10k-images-idx3-ubyte"] = synth_images(n_test, 3);
  f.content["t10k-labels-idx1-ubyte"] = synth_labels(n_test, 3);
  for (const auto& [base, bytes] : f.content) {
    write_gz_file(dir + "/" + base + ".gz", bytes);
    f.sums[base] = sha256_hex(bytes);
  }
  return f;
}

int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// ---------------------------------------------------------------- pooling

TEST(AveragePool, FactorTwoByHand) {
  Matrix img(16, 1);
  for (int i = 0; i < 16; ++i) img(i, 0) = i;  // 4x4, row-major 0..15
  const Matrix out = average_pool(img, 4, 2);
  ASSERT_EQ(out.rows(), 4);
  EXPECT_DOUBLE_EQ(out(0, 0), (0 + 1 + 4 + 5) / 4.0);
  EXPECT_DOUBLE_EQ(out(1, 0), (2 + 3 + 6 + 7) / 4.0);
  EXPECT_DOUBLE_EQ(out(2, 0), (8 + 9 + 12 + 13) / 4.0);
  EXPECT_DOUBLE_EQ(out(3, 0), (10 + 11 + 14 + 15) / 4.0);
  EXPECT_EQ(average_pool(img, 4).rows(), 4);  // factor 2 is the default
}

TEST(AveragePool, FactorOneIsIdentityAndOtherFactorsMatchNaive) {
  Rng rng(5);
  Matrix imgs(784, 3);
  for (Index i = 0; i < imgs.size(); ++i) imgs.data()[i] = rng.uniform();
  EXPECT_EQ(average_pool(imgs, 28, 1), imgs);
  for (int f : {2, 4, 7}) {
    const Matrix out = average_pool(imgs, 28, f);
    const int s = 28 / f;
    ASSERT_EQ(out.rows(), s * s);
    for (Index c = 0; c < 3; ++c)
      for (int oi = 0; oi < s; ++oi)
        for (int oj = 0; oj < s; ++oj) {
          double sum = 0;
          for (int i = oi * f; i < (oi + 1) * f; ++i)
            for (int j = oj * f; j < (oj + 1) * f; ++j) sum += imgs(i * 28 + j, c);
          EXPECT_NEAR(out(oi * s + oj, c), sum / (f * f), 1e-14);
        }
  }
}

TEST(AveragePool, RejectsNonDivisibleFactorAndWrongShape) {
  Matrix imgs = Matrix::Zero(784, 1);
  EXPECT_THROW(average_pool(imgs, 28, 3), ConfigError);
  EXPECT_THROW(average_pool(imgs, 28, 0), ConfigError);
  EXPECT_THROW(average_pool(Matrix::Zero(100, 1), 28, 2), RuntimeError);
}

// Reference from torch.nn.functional.interpolate(bilinear, align_corners=False,
// antialias=False): tests/scripts/gen_pool_ref.py -> tests/data/pool_ref.json.
TEST(AveragePool, EqualsTorchBilinearResize) {
  std::ifstream in(source_dir() + "/tests/data/pool_ref.json");
  ASSERT_TRUE(in) << "missing tests/data/pool_ref.json under " << source_dir();
  const nlohmann::json ref = nlohmann::json::parse(in);
  const std::vector<double> image = ref.at("image").get<std::vector<double>>();
  const std::vector<double> bilinear = ref.at("bilinear").get<std::vector<double>>();
  ASSERT_EQ(image.size(), 784u);
  ASSERT_EQ(bilinear.size(), 196u);
  const Matrix X = Eigen::Map<const Matrix>(image.data(), 784, 1);
  const Matrix pooled = average_pool(X, 28, 2);
  double max_diff = 0;
  for (Index i = 0; i < 196; ++i)
    max_diff = std::max(max_diff, std::abs(pooled(i, 0) - bilinear[static_cast<std::size_t>(i)]));
  EXPECT_LT(max_diff, 1e-12);
}

// ---------------------------------------------------------------- standardizer

TEST(Standardizer, FitsOnTrainAndAppliesToOthers) {
  Matrix train(2, 4);
  train << 1, 2, 3, 4,  //
      5, 5, 5, 5;       // constant feature
  const Standardizer s = Standardizer::fit(train);
  EXPECT_DOUBLE_EQ(s.mean(0), 2.5);
  EXPECT_DOUBLE_EQ(s.stddev(0), std::sqrt(1.25));  // population std
  EXPECT_DOUBLE_EQ(s.stddev(1), 0.0);
  Matrix t = train;
  s.apply(t);
  EXPECT_NEAR(t.row(0).mean(), 0.0, 1e-15);
  EXPECT_NEAR(t.row(0).squaredNorm() / 4.0, 1.0, 1e-12);
  EXPECT_TRUE(t.row(1).isZero());  // centred, not divided by zero
  Matrix other(2, 1);
  other << 7, 9;
  s.apply(other);
  EXPECT_DOUBLE_EQ(other(0, 0), (7 - 2.5) / std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(other(1, 0), 4.0);
  Matrix wrong(3, 1);
  EXPECT_THROW(s.apply(wrong), RuntimeError);
}

// ---------------------------------------------------------------- splits

void expect_partition(const SplitIndices& s, Index n) {
  std::vector<Index> all;
  for (const auto* part : {&s.train, &s.val, &s.test})
    all.insert(all.end(), part->begin(), part->end());
  ASSERT_EQ(static_cast<Index>(all.size()), n);
  std::sort(all.begin(), all.end());
  for (Index i = 0; i < n; ++i) ASSERT_EQ(all[static_cast<std::size_t>(i)], i);
}

TEST(StratifiedSplit, DeterministicDisjointCoveringProportional) {
  std::vector<int> labels;
  const int per_class[3] = {50, 20, 10};
  for (int c = 0; c < 3; ++c) labels.insert(labels.end(), per_class[c], c);
  Rng a(7, 0, Stream::kSplit), b(7, 0, Stream::kSplit), c(8, 0, Stream::kSplit);
  const SplitIndices s1 = stratified_split(labels, 3, 0.6, 0.2, a);
  const SplitIndices s2 = stratified_split(labels, 3, 0.6, 0.2, b);
  const SplitIndices s3 = stratified_split(labels, 3, 0.6, 0.2, c);
  EXPECT_EQ(s1.train, s2.train);
  EXPECT_EQ(s1.val, s2.val);
  EXPECT_EQ(s1.test, s2.test);
  EXPECT_NE(s1.train, s3.train);
  expect_partition(s1, 80);
  const int want_train[3] = {30, 12, 6}, want_val[3] = {10, 4, 2};
  for (int cls = 0; cls < 3; ++cls) {
    auto count = [&](const std::vector<Index>& idx) {
      return std::count_if(idx.begin(), idx.end(),
                           [&](Index i) { return labels[static_cast<std::size_t>(i)] == cls; });
    };
    EXPECT_EQ(count(s1.train), want_train[cls]) << "class " << cls;
    EXPECT_EQ(count(s1.val), want_val[cls]) << "class " << cls;
    EXPECT_EQ(count(s1.test), per_class[cls] - want_train[cls] - want_val[cls]) << "class " << cls;
  }
}

TEST(StratifiedSplit, RejectsBadInput) {
  Rng rng(1);
  EXPECT_THROW(stratified_split({0, 1}, 2, 0.8, 0.3, rng), ConfigError);
  EXPECT_THROW(stratified_split({0, 1}, 2, -0.1, 0.3, rng), ConfigError);
  EXPECT_THROW(stratified_split({0, 5}, 2, 0.6, 0.2, rng), RuntimeError);
}

TEST(RandomSplit, TorchLengthsDeterministicDisjointCovering) {
  struct Case {
    Index n;
    double tr, va;
    std::size_t want[3];
  };
  // torch.utils.data.random_split: floor(n * f), remainder round-robin from the first.
  const Case cases[] = {{60000, 0.6, 0.2, {36000, 12000, 12000}},
                        {10, 0.6, 0.2, {6, 2, 2}},
                        {11, 0.6, 0.2, {7, 2, 2}},
                        {7, 0.5, 0.25, {4, 2, 1}},
                        {3, 0.6, 0.2, {2, 1, 0}}};
  for (const Case& c : cases) {
    Rng rng(3, 0, Stream::kSplit);
    const SplitIndices s = random_split(c.n, c.tr, c.va, rng);
    EXPECT_EQ(s.train.size(), c.want[0]) << "n=" << c.n;
    EXPECT_EQ(s.val.size(), c.want[1]) << "n=" << c.n;
    EXPECT_EQ(s.test.size(), c.want[2]) << "n=" << c.n;
    expect_partition(s, c.n);
  }
  Rng a(9), b(9), d(10);
  const SplitIndices s1 = random_split(100, 0.6, 0.2, a), s2 = random_split(100, 0.6, 0.2, b);
  const SplitIndices s3 = random_split(100, 0.6, 0.2, d);
  EXPECT_EQ(s1.train, s2.train);
  EXPECT_EQ(s1.test, s2.test);
  EXPECT_NE(s1.train, s3.train);
}

TEST(HoldoutSplit, CarvesValidationFromTraining) {
  Rng a(4), b(4);
  const SplitIndices s = holdout_split(100, 17, a);
  EXPECT_EQ(s.val.size(), 17u);
  EXPECT_EQ(s.train.size(), 83u);
  EXPECT_TRUE(s.test.empty());
  expect_partition(s, 100);
  EXPECT_EQ(holdout_split(100, 17, b).val, s.val);
  Rng c(1);
  EXPECT_THROW(holdout_split(10, 11, c), ConfigError);
  EXPECT_THROW(holdout_split(10, -1, c), ConfigError);
}

// ---------------------------------------------------------------- iris

TEST(Iris, EmbeddedCopyParsesAndMatchesTheRepoFile) {
  const Dataset d = parse_iris_csv(embedded_iris_csv(), "built-in");
  ASSERT_EQ(d.size(), 150);
  ASSERT_EQ(d.features(), 4);
  EXPECT_EQ(d.num_classes, 3);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(std::count(d.y.begin(), d.y.end(), c), 50);
  EXPECT_DOUBLE_EQ(d.X(0, 0), 5.1);  // first row: 5.1,3.5,1.4,0.2,0
  EXPECT_DOUBLE_EQ(d.X(3, 0), 0.2);
  std::ifstream in(source_dir() + "/data/iris.csv");
  ASSERT_TRUE(in) << "data/iris.csv not found under " << source_dir();
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), std::string(embedded_iris_csv())) << "re-run tests/scripts/embed_iris.py";
}

std::string iris_error(const std::string& text) {
  try {
    parse_iris_csv(text, "x.csv");
  } catch (const RuntimeError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return "";
}

TEST(Iris, BadCsvErrorsNameTheLine) {
  const std::string h = "a,b,c,d,species\n";
  EXPECT_NE(iris_error(h + "1,2,3,4,0\n1,2,3,0\n").find("x.csv:3:"), std::string::npos);
  EXPECT_NE(iris_error(h + "1,2,abc,4,0\n").find("x.csv:2: field 3 'abc'"), std::string::npos);
  EXPECT_NE(iris_error(h + "1,2,3,4,3\n").find("species '3'"), std::string::npos);
  EXPECT_NE(iris_error(h + "1,2,3,4,1.5\n").find("species"), std::string::npos);
  EXPECT_NE(iris_error("1,2,3,4,0\n").find("header"), std::string::npos);
  EXPECT_NE(iris_error(h).find("no data"), std::string::npos);
  EXPECT_NE(iris_error(h + "1,2,3,4,0,\n").find("x.csv:2:"), std::string::npos);
  const Dataset ok = parse_iris_csv(h + "1,2,3,4,2\r\n\n5,6,7,8,0\r\n", "crlf");
  EXPECT_EQ(ok.size(), 2);
  EXPECT_EQ(ok.y, (std::vector<int>{2, 0}));
  EXPECT_DOUBLE_EQ(ok.X(3, 1), 8.0);
}

TEST(LoadSplits, IrisStratifiedAndStandardized) {
  IsolatedEnv env;
  DatasetConfig cfg;
  cfg.name = "iris";
  std::ostringstream warn;
  const Splits s = load_splits(cfg, 11, warn);
  EXPECT_EQ(s.train.size(), 90);
  EXPECT_EQ(s.val.size(), 30);
  EXPECT_EQ(s.test.size(), 30);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(std::count(s.train.y.begin(), s.train.y.end(), c), 30);
  EXPECT_TRUE(warn.str().empty());
  const Splits again = load_splits(cfg, 11, warn);
  EXPECT_EQ(again.train.X, s.train.X);
  EXPECT_NE(load_splits(cfg, 12, warn).train.X, s.train.X);
  cfg.standardize = true;
  const Splits z = load_splits(cfg, 11, warn);
  EXPECT_LT(z.train.X.rowwise().mean().cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_GT(z.val.X.rowwise().mean().cwiseAbs().maxCoeff(), 1e-6);  // fitted on train only
  cfg.name = "cifar";
  EXPECT_THROW(load_splits(cfg, 1, warn), ConfigError);
}

TEST(LoadSplits, IrisFileOverridesBuiltInCopy) {
  IsolatedEnv env;
  TempDir dir;
  {
    std::ofstream out(dir.path() + "/iris.csv");
    out << "a,b,c,d,s\n";
    for (int i = 0; i < 20; ++i) out << i << ",1,1,1," << i % 3 << "\n";
  }
  DatasetConfig cfg;
  cfg.data_dir = dir.path();
  std::ostringstream warn;
  const Splits s = load_splits(cfg, 1, warn);
  EXPECT_EQ(s.train.size() + s.val.size() + s.test.size(), 20);
  // Same through $NEUROCMA_DATA_DIR/iris/iris.csv.
  TempDir root;
  fs::copy_file(dir.path() + "/iris.csv", root.sub("iris") + "/iris.csv");
  EnvGuard g("NEUROCMA_DATA_DIR", root.path());
  cfg.data_dir.clear();
  const Splits t = load_splits(cfg, 1, warn);
  EXPECT_EQ(t.train.size() + t.val.size() + t.test.size(), 20);
}

// ---------------------------------------------------------------- search path

TEST(SearchPath, OrderFollowsTheDocumentation) {
  IsolatedEnv env;
  EnvGuard d("NEUROCMA_DATA_DIR", "/env/data");
  EnvGuard x("XDG_CACHE_HOME", "/xdg");
  EXPECT_EQ(
      data_search_path("mnist", "/explicit"),
      (std::vector<std::string>{"/explicit", "/explicit/mnist", "/env/data", "/env/data/mnist",
                                "/xdg/neurocma/mnist", "/usr/share/datasets/mnist"}));
  EnvGuard nx("XDG_CACHE_HOME", nullptr);
  EnvGuard nd("NEUROCMA_DATA_DIR", nullptr);
  EnvGuard home("HOME", "/home/u");
  EXPECT_EQ(data_search_path("fashion-mnist", ""),
            (std::vector<std::string>{"/home/u/.cache/neurocma/fashion-mnist",
                                      "/usr/share/datasets/fashion-mnist"}));
}

TEST(SearchPath, FirstCompleteDirectoryWins) {
  IsolatedEnv env;
  TempDir root;
  const std::string env_dir = root.sub("env");
  const std::string cache = root.sub("cache/neurocma/synth");
  const std::string explicit_dir = root.sub("explicit");
  write_synthetic_set(root.sub("env/synth"), 12, 6);  // found as $NEUROCMA_DATA_DIR/<name>
  write_synthetic_set(cache, 12, 6);
  EnvGuard x("XDG_CACHE_HOME", root.path() + "/cache");
  EXPECT_EQ(find_dataset_dir("synth", ""), cache);
  EnvGuard d("NEUROCMA_DATA_DIR", env_dir);
  EXPECT_EQ(find_dataset_dir("synth", explicit_dir), env_dir + "/synth");
  // An incomplete explicit directory is skipped; a complete one wins.
  write_gz_file(explicit_dir + "/train-images-idx3-ubyte.gz", synth_images(2, 0));
  EXPECT_EQ(find_dataset_dir("synth", explicit_dir), env_dir + "/synth");
  write_synthetic_set(explicit_dir, 12, 6);
  EXPECT_EQ(find_dataset_dir("synth", explicit_dir), explicit_dir);
  // Uncompressed names are accepted too.
  const std::string plain = root.sub("plain");
  for (const auto& [base, bytes] : write_synthetic_set(root.sub("tmp"), 3, 3).content) {
    std::ofstream out(plain + "/" + base, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  EXPECT_EQ(find_dataset_dir("synth", plain), plain);
}

TEST(SearchPath, NotFoundListsDirectoriesAndSuggestsFetch) {
  IsolatedEnv env;
  EnvGuard d("NEUROCMA_DATA_DIR", env.home.path() + "/nothing");
  try {
    find_dataset_dir("no-such-set", "/nonexistent/dir");
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("/nonexistent/dir"), std::string::npos) << msg;
    EXPECT_NE(msg.find(env.home.path() + "/nothing/no-such-set"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/usr/share/datasets/no-such-set"), std::string::npos) << msg;
    EXPECT_NE(msg.find("neurocma fetch-data no-such-set"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one-line message";
  }
}

// ---------------------------------------------------------------- checksums

TEST(Sha256, Fips180Vectors) {
  auto h = [](const std::string& s) { return sha256_hex(Bytes(s.begin(), s.end())); };
  // FIPS 180-2 appendix B examples, plus the empty message.
  EXPECT_EQ(h(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(h("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(h("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(Bytes(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Checksums, UnknownLocalCopyWarnsOncePerFile) {
  IsolatedEnv env;
  TempDir dir;
  write_synthetic_set(dir.path(), 60, 12);
  DatasetConfig cfg;
  cfg.name = "mnist";
  cfg.data_dir = dir.path();
  std::ostringstream warn;
  const Splits s = load_splits(cfg, 1, warn);
  const std::string w = warn.str();
  EXPECT_EQ(count_lines(w), 4) << w;
  for (const std::string& base : idx_file_names())
    EXPECT_NE(w.find(dir.path() + "/" + base + ".gz"), std::string::npos) << base << "\n" << w;
  EXPECT_NE(w.find("warning"), std::string::npos);
  EXPECT_EQ(known_checksums("mnist").size(), 4u);
  EXPECT_EQ(known_checksums("fashion-mnist").size(), 4u);
  EXPECT_TRUE(known_checksums("iris").empty());
}

TEST(Checksums, OtherDatasetsOfficialFilesAreRejected) {
  const std::string fashion = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(fashion + "/t10k-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "Debian dataset-fashion-mnist not installed";
  std::ostringstream warn;
  // The official Fashion-MNIST files carry the known sums: no warning.
  const Dataset test = load_idx_dataset(fashion, "t10k", "fashion-mnist", warn);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_TRUE(warn.str().empty()) << warn.str();
  // Asked for as MNIST, they are recognised and refused.
  EXPECT_THROW(load_idx_dataset(fashion, "t10k", "mnist", warn), RuntimeError);
}

// ---------------------------------------------------------------- image loading

TEST(LoadSplits, SyntheticImagesOfficialAndRatio) {
  IsolatedEnv env;
  TempDir dir;
  write_synthetic_set(dir.path(), 120, 30);
  DatasetConfig cfg;
  cfg.name = "mnist";
  cfg.data_dir = dir.path();
  std::ostringstream warn;
  // official: val_size 10000 >= 120 samples, so a sixth (20) is held out.
  Splits s = load_splits(cfg, 5, warn);
  EXPECT_EQ(s.train.size(), 100);
  EXPECT_EQ(s.val.size(), 20);
  EXPECT_EQ(s.test.size(), 30);
  EXPECT_EQ(s.train.features(), 196);
  EXPECT_EQ(s.train.num_classes, 10);
  // Labels stay with their images: pooled first pixel = (label * 20 + 3 neighbours) / 4 / 255.
  for (const Dataset* d : {&s.train, &s.val, &s.test})
    for (Index i = 0; i < d->size(); ++i) {
      const int label = d->y[static_cast<std::size_t>(i)];
      ASSERT_GE(label, 0);
      ASSERT_LT(label, 10);
      ASSERT_LT(std::abs(d->X(0, i) * 4 * 255 - label * 20), 3 * 251 + 1);
    }
  // The test set is the t10k file in order (labels offset by 3).
  EXPECT_EQ(s.test.y[0], 3);
  EXPECT_EQ(s.test.y[1], 4);
  cfg.val_size = 10;
  EXPECT_EQ(load_splits(cfg, 5, warn).val.size(), 10);
  cfg.pool = 1;
  EXPECT_EQ(load_splits(cfg, 5, warn).train.features(), 784);
  cfg.pool = 4;
  EXPECT_EQ(load_splits(cfg, 5, warn).train.features(), 49);
  cfg.pool = 3;
  EXPECT_THROW(load_splits(cfg, 5, warn), ConfigError);
  cfg.pool = 2;
  cfg.limit = 60;  // first 60 training and 10 test samples
  s = load_splits(cfg, 5, warn);
  EXPECT_EQ(s.train.size() + s.val.size(), 60);
  EXPECT_EQ(s.val.size(), 10);
  EXPECT_EQ(s.test.size(), 10);
  cfg.limit = 0;
  cfg.split = SplitKind::kRatio;
  s = load_splits(cfg, 5, warn);
  EXPECT_EQ(s.train.size(), 72);
  EXPECT_EQ(s.val.size(), 24);
  EXPECT_EQ(s.test.size(), 24);
  cfg.standardize = true;
  s = load_splits(cfg, 5, warn);
  EXPECT_LT(s.train.X.rowwise().mean().cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_THROW(parse_split("kfold"), ConfigError);
}

TEST(LoadSplits, MnistFromDataDir) {
  const char* data = std::getenv("NEUROCMA_DATA_DIR");
  if (!data || !*data) GTEST_SKIP() << "NEUROCMA_DATA_DIR not set";
  DatasetConfig cfg;
  cfg.name = "mnist";
  std::ostringstream warn;
  Splits s = load_splits(cfg, 1, warn);
  EXPECT_EQ(s.train.size(), 50000);
  EXPECT_EQ(s.val.size(), 10000);
  EXPECT_EQ(s.test.size(), 10000);
  EXPECT_EQ(s.train.features(), 196);
  EXPECT_GE(s.train.X.minCoeff(), 0.0);
  EXPECT_LE(s.train.X.maxCoeff(), 1.0);
  EXPECT_EQ(*std::max_element(s.test.y.begin(), s.test.y.end()), 9);
  // Labels and test images are official; a rebuilt training-image file may warn.
  const std::string w = warn.str();
  EXPECT_LE(count_lines(w), 1) << w;
  if (!w.empty()) {
    EXPECT_NE(w.find("train-images-idx3-ubyte"), std::string::npos) << w;
  }
  // A random hold-out of 10000 contains every digit.
  EXPECT_EQ(std::set<int>(s.val.y.begin(), s.val.y.end()).size(), 10u);
}

// ---------------------------------------------------------------- fetch-data

TEST(FetchDataset, FromFileMirrorWithMatchingAndMismatchingSums) {
  IsolatedEnv env;
  TempDir root;
  const std::string mirror = root.sub("mirror");
  const SynthFiles files = write_synthetic_set(mirror, 30, 12);
  const std::string dest = root.path() + "/dest/mnist";
  std::ostringstream log;
  fetch_dataset("mnist", dest, "file://" + mirror, files.sums, log);
  for (const auto& [base, bytes] : files.content) {
    EXPECT_EQ(read_gz_file(dest + "/" + base + ".gz"), bytes) << base;
    EXPECT_FALSE(fs::exists(dest + "/" + base + ".gz.partial"));
  }
  EXPECT_EQ(find_dataset_dir("mnist", dest), dest);
  // Second run: files are present and verified, nothing downloaded.
  std::ostringstream log2;
  fetch_dataset("mnist", dest, "file://" + mirror + "/", files.sums, log2);
  EXPECT_EQ(log2.str().find("downloading"), std::string::npos) << log2.str();

  // A wrong expected sum: error, and nothing of that file is left behind.
  auto bad = files.sums;
  bad["t10k-images-idx3-ubyte"] = std::string(64, '0');
  const std::string dest2 = root.path() + "/dest2";
  try {
    fetch_dataset("mnist", dest2, "file://" + mirror, bad, log);
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("t10k-images-idx3-ubyte.gz"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(dest2 + "/t10k-images-idx3-ubyte.gz"));
  EXPECT_FALSE(fs::exists(dest2 + "/t10k-images-idx3-ubyte.gz.partial"));
  EXPECT_TRUE(fs::exists(dest2 + "/train-images-idx3-ubyte.gz"));  // verified before it

  // A mirror missing a file: the download error names the URL.
  fs::remove(mirror + "/t10k-labels-idx1-ubyte.gz");
  try {
    fetch_dataset("mnist", root.path() + "/dest3", "file://" + mirror, files.sums, log);
    FAIL() << "no exception";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("t10k-labels-idx1-ubyte.gz"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(fetch_dataset("cifar", dest, "file://" + mirror, log), ConfigError);
  // With the built-in sums the synthetic files are rejected.
  EXPECT_THROW(fetch_dataset("mnist", root.path() + "/dest4", "file://" + mirror, log),
               RuntimeError);
  EXPECT_EQ(default_mirror("mnist"), "https://ossci-datasets.s3.amazonaws.com/mnist/");
}

}  // namespace
}  // namespace neurocma

namespace neurocma {

// ---------------------------------------------------------------- sklearn split
namespace {

nlohmann::json sklearn_ref() {
  std::ifstream in(source_dir() + "/tests/data/sklearn_split_ref.json");
  return nlohmann::json::parse(in);
}

std::vector<Index> as_indices(const nlohmann::json& j) {
  return j.get<std::vector<Index>>();
}

std::string index_digest(const std::vector<Index>& v) {
  std::vector<std::uint8_t> bytes;
  for (Index i : v)
    for (int b = 0; b < 8; ++b)
      bytes.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(i) >> (8 * b)));
  return sha256_hex(bytes);
}

}  // namespace

TEST(SklearnSplit, MatchesScikitLearnIndexForIndex) {
  // tests/scripts/gen_sklearn_split_ref.py ran sklearn's train_test_split twice.
  for (const auto& c : sklearn_ref()["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<int> y = c["labels"].get<std::vector<int>>();
    const auto r = c["ratios"];
    const SplitIndices s = sklearn_split(y, r[0].get<double>(), r[1].get<double>(),
                                         r[2].get<double>(), c["seed"].get<std::uint64_t>());
    EXPECT_EQ(s.train, as_indices(c["train"]));
    EXPECT_EQ(s.val, as_indices(c["val"]));
    EXPECT_EQ(s.test, as_indices(c["test"]));
  }
  EXPECT_THROW(sklearn_split({0, 0, 1}, 0.6, 0.2, 0.2, 1), ConfigError);  // class 1 has 1 sample
  EXPECT_THROW(sklearn_split({0, 0, 1, 1}, 0.6, 0.2, 0.2, 1ULL << 32), ConfigError);
}

TEST(SklearnSplit, TheStudysMnistSplit) {
  const nlohmann::json ref = sklearn_ref();
  ASSERT_TRUE(ref.contains("mnist"));
  std::string dir;
  try {
    dir = find_dataset_dir("mnist", "");
  } catch (const std::exception&) {
    GTEST_SKIP() << "MNIST not found: set NEUROCMA_DATA_DIR (.ci/run does)";
  }
  std::ostringstream warn;
  const Dataset train = load_idx_dataset(dir, "train", "mnist", warn);
  const SplitIndices s = sklearn_split(train.y, 0.6, 0.2, 0.2, 42);
  const std::pair<const char*, const std::vector<Index>*> parts[] = {
      {"train", &s.train}, {"val", &s.val}, {"test", &s.test}};
  for (const auto& [name, idx] : parts) {
    const auto& want = ref["mnist"][name];
    EXPECT_EQ(static_cast<Index>(idx->size()), want["size"].get<Index>()) << name;
    EXPECT_EQ(std::vector<Index>(idx->begin(), idx->begin() + 20), as_indices(want["first"]))
        << name;
    EXPECT_EQ(index_digest(*idx), want["sha256"].get<std::string>()) << name;
  }
}

}  // namespace neurocma

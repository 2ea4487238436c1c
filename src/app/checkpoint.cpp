// Checkpoint files: a fixed header, a payload and a checksum of the payload.
//
//   8 bytes  magic "NCMACKPT"
//   u32      format version (kFormat)
//   u32      kind (kFinished | kJob)
//   u64      payload size
//   payload  version string, identity JSON, then the kind's fields
//   u64      checksum64(payload)
//
// Native byte order: a checkpoint is resumed by the same build on the same
// kind of machine (the version check enforces the build).
#include "neurocma/app/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "neurocma/core/error.hpp"
#include "neurocma/core/version.hpp"
#include "neurocma/io/serialize.hpp"

namespace neurocma {
namespace {

constexpr char kMagic[8] = {'N', 'C', 'M', 'A', 'C', 'K', 'P', 'T'};
constexpr std::uint32_t kFormat = 2;
constexpr std::uint32_t kFinished = 1;
constexpr std::uint32_t kJob = 2;
constexpr std::size_t kHeader = 8 + 4 + 4 + 8;

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t w = ::write(fd, data, size);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      throw RuntimeError("checkpoint '" + path + "': write failed: " + std::strerror(errno));
    data += w;
    size -= static_cast<std::size_t>(w);
  }
}

// Header + payload + checksum to path.tmp, fsync, rename over path.
void write_file(const std::string& path, std::uint32_t kind, const std::vector<char>& payload) {
  std::vector<char> head;
  ByteWriter w(head);
  for (char c : kMagic) w.put(c);
  w.put(kFormat);
  w.put(kind);
  w.put<std::uint64_t>(payload.size());
  std::vector<char> tail;
  ByteWriter(tail).put(checksum64(payload.data(), payload.size()));

  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    throw RuntimeError("checkpoint '" + tmp + "': cannot create: " + std::strerror(errno));
  try {
    write_all(fd, head.data(), head.size(), tmp);
    write_all(fd, payload.data(), payload.size(), tmp);
    write_all(fd, tail.data(), tail.size(), tmp);
    if (::fsync(fd) != 0)
      throw RuntimeError("checkpoint '" + tmp + "': fsync failed: " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw RuntimeError("checkpoint '" + path + "': cannot rename the temporary file: " + why);
  }
}

// Reads and checks header and checksum; returns the payload. false if absent.
bool read_file(const std::string& path, std::uint32_t kind, std::vector<char>& payload) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return false;
    throw RuntimeError("checkpoint '" + path + "': cannot open for reading");
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string what = "checkpoint '" + path + "'";
  if (bytes.size() < kHeader + 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw RuntimeError(what + ": not a neurocma checkpoint (bad header); delete it to start over");
  std::size_t pos = 8;
  ByteReader r(bytes, pos, what);
  const auto format = r.get<std::uint32_t>();
  const auto got_kind = r.get<std::uint32_t>();
  const auto size = r.get<std::uint64_t>();
  if (format != kFormat)
    throw RuntimeError(what + ": format version " + std::to_string(format) + ", expected " +
                       std::to_string(kFormat));
  if (got_kind != kind)
    throw RuntimeError(what + ": holds the wrong kind of checkpoint (" + std::to_string(got_kind) +
                       ", expected " + std::to_string(kind) + ")");
  if (size != bytes.size() - kHeader - 8)
    throw RuntimeError(what + ": corrupt (truncated or extended: " + std::to_string(bytes.size()) +
                       " bytes for a payload of " + std::to_string(size) + ")");
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + kHeader + size, sizeof(stored));
  if (stored != checksum64(bytes.data() + kHeader, size))
    throw RuntimeError(what + ": corrupt (checksum mismatch); delete it to start over");
  payload.assign(bytes.begin() + kHeader,
                 bytes.begin() + static_cast<std::ptrdiff_t>(kHeader + size));
  return true;
}

void put_identity(ByteWriter& w, const nlohmann::json& identity) {
  w.put_string(version_string());
  w.put_string(identity.dump());
}

// Checks the version and the identity of a payload.
void check_identity(ByteReader& r, const nlohmann::json& identity) {
  const std::string version = r.get_string();
  if (version != version_string())
    throw ConfigError(r.what() + ": written by neurocma " + version + ", this is " +
                      version_string() +
                      "; results would not be bit-identical (run without --resume to start over)");
  nlohmann::json stored;
  try {
    stored = nlohmann::json::parse(r.get_string());
  } catch (const nlohmann::json::exception&) {
    throw RuntimeError(r.what() + ": corrupt (identity is not JSON)");
  }
  if (stored == identity) return;
  // Name the first differing key, e.g. "/train/batch_size".
  const nlohmann::json patch = nlohmann::json::diff(stored, identity);
  std::string where = patch.empty() ? std::string("?") : patch[0].value("path", std::string("?"));
  throw ConfigError(r.what() + ": written for another experiment (" + where +
                    " differs); run without --resume to start over");
}

}  // namespace

std::uint64_t checksum64(const char* data, std::size_t size) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ size;
  auto mix = [](std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDULL;
    x ^= x >> 33;
    return x;
  };
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data + i, 8);
    h = (h ^ mix(w)) * 0x100000001B3ULL + 0x632BE59BD9B4E019ULL;
  }
  std::uint64_t last = 0;
  if (i < size) std::memcpy(&last, data + i, size - i);
  h = mix(h ^ mix(last + size));
  return h;
}

nlohmann::json checkpoint_identity(const ExperimentConfig& cfg, const std::vector<JobSpec>& jobs) {
  nlohmann::json id = to_json(cfg);
  id.erase("out_dir");
  id.erase("search");
  id.erase("checkpoint");
  if (id.contains("dataset")) id["dataset"].erase("data_dir");
  nlohmann::json list = nlohmann::json::array();
  for (const JobSpec& j : jobs)
    list.push_back({cfg.optimizers.at(static_cast<std::size_t>(j.optimizer)).name, j.run});
  id["jobs"] = std::move(list);
  return id;
}

std::string checkpoint_dir(const std::string& results_path) {
  return results_path + ".ckpt";
}

std::string finished_checkpoint_path(const std::string& dir) {
  return dir + "/finished.ckpt";
}

std::string job_checkpoint_path(const std::string& dir, const std::string& optimizer, int run) {
  return dir + "/job-" + optimizer + "-" + std::to_string(run) + ".ckpt";
}

void write_finished_checkpoint(const std::string& dir, const nlohmann::json& identity,
                               const std::vector<RunRecord>& finished) {
  std::vector<char> payload;
  ByteWriter w(payload);
  put_identity(w, identity);
  w.put<std::uint64_t>(finished.size());
  for (const RunRecord& rec : finished) pack(rec, payload);
  write_file(finished_checkpoint_path(dir), kFinished, payload);
}

std::vector<RunRecord> read_finished_checkpoint(const std::string& dir,
                                                const nlohmann::json& identity) {
  const std::string path = finished_checkpoint_path(dir);
  std::vector<char> payload;
  if (!read_file(path, kFinished, payload)) return {};
  std::size_t pos = 0;
  const std::string what = "checkpoint '" + path + "'";
  ByteReader r(payload, pos, what);
  check_identity(r, identity);
  const std::uint64_t count = r.get_count(64);
  std::vector<RunRecord> out;
  for (std::uint64_t i = 0; i < count; ++i) out.push_back(unpack_record(payload, pos, what));
  if (pos != payload.size()) throw RuntimeError(what + ": corrupt (trailing bytes)");
  return out;
}

void write_job_checkpoint(const std::string& path, const nlohmann::json& identity,
                          const std::string& optimizer, int run, const TrainState& st) {
  std::vector<char> payload;
  ByteWriter w(payload);
  put_identity(w, identity);
  w.put_string(optimizer);
  w.put<std::int32_t>(run);
  w.put<std::int32_t>(st.epoch);
  w.put<std::int64_t>(st.batch_start);
  w.put<std::uint64_t>(st.order.size());
  for (Index i : st.order) w.put<std::int64_t>(i);
  w.put_doubles(st.params.data(), static_cast<std::size_t>(st.params.size()));
  w.put_doubles(st.best_params.data(), static_cast<std::size_t>(st.best_params.size()));
  w.put(st.stop_best);
  w.put<std::int32_t>(st.stop_bad);
  w.put<std::int64_t>(st.counters.model_evals);
  w.put<std::int64_t>(st.counters.grad_evals);
  w.put<std::int64_t>(st.counters.grad_steps);
  w.put<std::int64_t>(st.counters.metric_samples);
  w.put<std::uint64_t>(st.history.size());
  for (const EpochRecord& e : st.history) pack(e, w);
  w.put<std::int32_t>(st.best_epoch);
  w.put(st.elapsed);
  w.put<std::uint64_t>(st.order_state.size());
  for (std::uint64_t s : st.order_state) w.put(s);
  w.put<std::uint64_t>(st.method.size());
  for (const auto& [key, values] : st.method) {
    w.put_string(key);
    w.put_doubles(values.data(), values.size());
  }
  write_file(path, kJob, payload);
}

bool read_job_checkpoint(const std::string& path, const nlohmann::json& identity,
                         const std::string& optimizer, int run, TrainState& st) {
  std::vector<char> payload;
  if (!read_file(path, kJob, payload)) return false;
  std::size_t pos = 0;
  const std::string what = "checkpoint '" + path + "'";
  ByteReader r(payload, pos, what);
  check_identity(r, identity);
  const std::string got_opt = r.get_string();
  const int got_run = r.get<std::int32_t>();
  if (got_opt != optimizer || got_run != run)
    throw ConfigError(what + ": holds optimizer '" + got_opt + "' run " + std::to_string(got_run) +
                      ", expected '" + optimizer + "' run " + std::to_string(run));
  TrainState s;
  s.epoch = r.get<std::int32_t>();
  s.batch_start = static_cast<Index>(r.get<std::int64_t>());
  const std::uint64_t n = r.get_count(sizeof(std::int64_t));
  s.order.resize(static_cast<std::size_t>(n));
  for (Index& i : s.order) i = static_cast<Index>(r.get<std::int64_t>());
  auto vec = [&r] {
    const std::vector<double> v = r.get_doubles();
    return Vector(Eigen::Map<const Vector>(v.data(), static_cast<Index>(v.size())));
  };
  s.params = vec();
  s.best_params = vec();
  s.stop_best = r.get<double>();
  s.stop_bad = r.get<std::int32_t>();
  s.counters.model_evals = r.get<std::int64_t>();
  s.counters.grad_evals = r.get<std::int64_t>();
  s.counters.grad_steps = r.get<std::int64_t>();
  s.counters.metric_samples = r.get<std::int64_t>();
  const std::uint64_t epochs = r.get_count(sizeof(EpochRecord));
  for (std::uint64_t i = 0; i < epochs; ++i) s.history.push_back(unpack_epoch(r));
  s.best_epoch = r.get<std::int32_t>();
  s.elapsed = r.get<double>();
  s.order_state.resize(static_cast<std::size_t>(r.get_count(sizeof(std::uint64_t))));
  for (std::uint64_t& v : s.order_state) v = r.get<std::uint64_t>();
  const std::uint64_t entries = r.get_count(16);
  for (std::uint64_t i = 0; i < entries; ++i) {
    std::string key = r.get_string();
    s.method[key] = r.get_doubles();
  }
  if (pos != payload.size()) throw RuntimeError(what + ": corrupt (trailing bytes)");
  for (Index i : s.order)
    if (i < 0 || static_cast<std::uint64_t>(i) >= n)
      throw RuntimeError(what + ": corrupt (data order out of range)");
  st = std::move(s);
  return true;
}

void validate_job_checkpoints(const std::string& dir, const nlohmann::json& identity,
                              const std::vector<JobSpec>& jobs,
                              const std::vector<std::string>& optimizer_names) {
  for (const JobSpec& j : jobs) {
    const std::string& name = optimizer_names.at(static_cast<std::size_t>(j.optimizer));
    TrainState st;
    read_job_checkpoint(job_checkpoint_path(dir, name, j.run), identity, name, j.run, st);
  }
}

}  // namespace neurocma

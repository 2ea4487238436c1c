// Byte packing of run records for the scheduler's messages and checkpoints.
#include "neurocma/io/serialize.hpp"

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "neurocma/core/error.hpp"

namespace neurocma {

void ByteWriter::put_string(const std::string& s) {
  put<std::uint64_t>(s.size());
  m_out.insert(m_out.end(), s.begin(), s.end());
}

void ByteWriter::put_doubles(const double* data, std::size_t n) {
  put<std::uint64_t>(n);
  const char* p = reinterpret_cast<const char*>(data);
  m_out.insert(m_out.end(), p, p + sizeof(double) * n);
}

void ByteReader::need(std::uint64_t n) const {
  if (m_pos > m_in.size() || n > m_in.size() - m_pos)
    throw RuntimeError(m_what + ": truncated (" + std::to_string(m_in.size()) + " bytes, needed " +
                       std::to_string(m_pos + n) + ")");
}

std::string ByteReader::get_string() {
  const std::uint64_t n = get<std::uint64_t>();
  need(n);
  std::string s(m_in.data() + m_pos, static_cast<std::size_t>(n));
  m_pos += static_cast<std::size_t>(n);
  return s;
}

std::uint64_t ByteReader::get_count(std::size_t min_bytes) {
  const std::uint64_t n = get<std::uint64_t>();
  if (min_bytes > 0 && n > (m_in.size() - m_pos) / min_bytes)
    throw RuntimeError(m_what + ": corrupt (a count of " + std::to_string(n) +
                       " exceeds the remaining data)");
  return n;
}

std::vector<double> ByteReader::get_doubles() {
  const std::uint64_t n = get_count(sizeof(double));
  std::vector<double> v(static_cast<std::size_t>(n));
  if (n > 0) std::memcpy(v.data(), m_in.data() + m_pos, sizeof(double) * n);
  m_pos += sizeof(double) * static_cast<std::size_t>(n);
  return v;
}

// Every metric of an EpochRecord is in run_metrics(); this guards against a
// field added to the struct but not to the table.
static_assert(sizeof(EpochRecord) == 10 * 8, "EpochRecord changed: update run_metrics()");

void pack(const EpochRecord& e, ByteWriter& w) {
  for (const MetricInfo& m : run_metrics()) {
    if (m.history) w.put(e.*m.history);
    if (m.history_count) w.put<std::int64_t>(e.*m.history_count);
  }
}

EpochRecord unpack_epoch(ByteReader& r) {
  EpochRecord e;
  for (const MetricInfo& m : run_metrics()) {
    if (m.history) e.*m.history = r.get<double>();
    if (m.history_count) e.*m.history_count = r.get<std::int64_t>();
  }
  return e;
}

void pack(const RunRecord& rec, std::vector<char>& out) {
  ByteWriter w(out);
  w.put_string(rec.optimizer);
  w.put_string(rec.optimizer_type);
  w.put_string(rec.hyperparams);
  w.put<std::uint64_t>(rec.seed);
  w.put<std::int32_t>(rec.run_index);
  w.put_string(rec.dataset);
  w.put_string(rec.model_shape);
  w.put_string(rec.config_json);
  w.put_string(rec.version);
  const RunResult& r = rec.result;
  w.put<std::uint64_t>(r.history.size());
  for (const EpochRecord& e : r.history) pack(e, w);
  for (const MetricInfo& m : run_metrics()) {
    if (m.final) w.put(r.*m.final);
    if (m.final_count) w.put<std::int64_t>(r.*m.final_count);
    if (m.final_int) w.put<std::int32_t>(r.*m.final_int);
  }
  w.put<std::int32_t>(r.best_epoch);
  w.put_string(r.stop.text());
  w.put_doubles(r.final_params.data(), static_cast<std::size_t>(r.final_params.size()));
}

RunRecord unpack_record(const std::vector<char>& in, std::size_t& pos, const std::string& what) {
  ByteReader rd(in, pos, what);
  RunRecord rec;
  rec.optimizer = rd.get_string();
  rec.optimizer_type = rd.get_string();
  rec.hyperparams = rd.get_string();
  rec.seed = rd.get<std::uint64_t>();
  rec.run_index = rd.get<std::int32_t>();
  rec.dataset = rd.get_string();
  rec.model_shape = rd.get_string();
  rec.config_json = rd.get_string();
  rec.version = rd.get_string();
  RunResult& r = rec.result;
  const std::uint64_t epochs = rd.get_count(sizeof(EpochRecord));
  r.history.reserve(static_cast<std::size_t>(epochs));
  for (std::uint64_t i = 0; i < epochs; ++i) r.history.push_back(unpack_epoch(rd));
  for (const MetricInfo& m : run_metrics()) {
    if (m.final) r.*m.final = rd.get<double>();
    if (m.final_count) r.*m.final_count = rd.get<std::int64_t>();
    if (m.final_int) r.*m.final_int = rd.get<std::int32_t>();
  }
  r.best_epoch = rd.get<std::int32_t>();
  r.stop = RunStop::parse(rd.get_string());
  const std::vector<double> params = rd.get_doubles();
  r.final_params = Eigen::Map<const Vector>(params.data(), static_cast<Index>(params.size()));
  return rec;
}

}  // namespace neurocma

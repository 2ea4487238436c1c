// Byte packing of RunRecord and JobSpec for the scheduler's messages.
#include "neurocma/parallel/serialize.hpp"

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

// A field added to EpochRecord must be added to put()/get() below too.
static_assert(sizeof(EpochRecord) == 10 * 8, "EpochRecord changed: update serialize.cpp");

void pack(const EpochRecord& e, ByteWriter& w) {
  w.put(e.time);
  w.put(e.train_loss);
  w.put(e.train_acc);
  w.put(e.val_loss);
  w.put(e.val_acc);
  w.put<std::int64_t>(e.model_evals);
  w.put<std::int64_t>(e.grad_evals);
  w.put<std::int64_t>(e.study_evals);
  w.put(e.sigma);
  w.put(e.condition);
}

EpochRecord unpack_epoch(ByteReader& r) {
  EpochRecord e;
  e.time = r.get<double>();
  e.train_loss = r.get<double>();
  e.train_acc = r.get<double>();
  e.val_loss = r.get<double>();
  e.val_acc = r.get<double>();
  e.model_evals = r.get<std::int64_t>();
  e.grad_evals = r.get<std::int64_t>();
  e.study_evals = r.get<std::int64_t>();
  e.sigma = r.get<double>();
  e.condition = r.get<double>();
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
  w.put(r.time);
  w.put(r.train_loss);
  w.put(r.train_acc);
  w.put(r.val_loss);
  w.put(r.val_acc);
  w.put(r.test_loss);
  w.put(r.test_acc);
  w.put<std::int64_t>(r.model_evals);
  w.put<std::int64_t>(r.grad_evals);
  w.put<std::int64_t>(r.study_evals);
  w.put<std::int32_t>(r.epochs);
  w.put<std::int32_t>(r.best_epoch);
  w.put_string(r.stop_reason);
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
  r.time = rd.get<double>();
  r.train_loss = rd.get<double>();
  r.train_acc = rd.get<double>();
  r.val_loss = rd.get<double>();
  r.val_acc = rd.get<double>();
  r.test_loss = rd.get<double>();
  r.test_acc = rd.get<double>();
  r.model_evals = rd.get<std::int64_t>();
  r.grad_evals = rd.get<std::int64_t>();
  r.study_evals = rd.get<std::int64_t>();
  r.epochs = rd.get<std::int32_t>();
  r.best_epoch = rd.get<std::int32_t>();
  r.stop_reason = rd.get_string();
  const std::vector<double> params = rd.get_doubles();
  r.final_params = Eigen::Map<const Vector>(params.data(), static_cast<Index>(params.size()));
  return rec;
}

void pack(const JobSpec& job, std::vector<char>& out) {
  ByteWriter w(out);
  w.put<std::int32_t>(job.optimizer);
  w.put<std::int32_t>(job.run);
  w.put<std::uint8_t>(job.population ? 1 : 0);
  w.put_string(job.payload);
}

JobSpec unpack_job(const std::vector<char>& in, std::size_t& pos) {
  ByteReader rd(in, pos, "MPI message");
  JobSpec job;
  job.optimizer = rd.get<std::int32_t>();
  job.run = rd.get<std::int32_t>();
  job.population = rd.get<std::uint8_t>() != 0;
  job.payload = rd.get_string();
  return job;
}

}  // namespace neurocma

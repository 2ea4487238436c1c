// Byte packing of RunRecord and JobSpec for the scheduler's messages.
#include "neurocma/parallel/serialize.hpp"

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "neurocma/core/error.hpp"

namespace neurocma {
namespace {

// A field added to EpochRecord must be added to put()/get() below too.
static_assert(sizeof(EpochRecord) == 9 * 8, "EpochRecord changed: update serialize.cpp");

template <typename T>
void put(std::vector<char>& out, const T& v) {
  static_assert(std::is_trivially_copyable<T>::value, "raw copy only");
  const char* p = reinterpret_cast<const char*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

void put_string(std::vector<char>& out, const std::string& s) {
  put<std::uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

class Reader {
 public:
  Reader(const std::vector<char>& in, std::size_t& pos) : m_in(in), m_pos(pos) {}
  template <typename T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, m_in.data() + m_pos, sizeof(T));
    m_pos += sizeof(T);
    return v;
  }
  std::string get_string() {
    const std::uint64_t n = get<std::uint64_t>();
    need(n);
    std::string s(m_in.data() + m_pos, static_cast<std::size_t>(n));
    m_pos += static_cast<std::size_t>(n);
    return s;
  }

 private:
  void need(std::uint64_t n) const {
    if (m_pos > m_in.size() || n > m_in.size() - m_pos)
      throw RuntimeError("MPI message: truncated record (" + std::to_string(m_in.size()) +
                         " bytes, needed " + std::to_string(m_pos + n) + ")");
  }
  const std::vector<char>& m_in;
  std::size_t& m_pos;
};

void put_epoch(std::vector<char>& out, const EpochRecord& e) {
  put(out, e.time);
  put(out, e.train_loss);
  put(out, e.train_acc);
  put(out, e.val_loss);
  put(out, e.val_acc);
  put<std::int64_t>(out, e.model_evals);
  put<std::int64_t>(out, e.grad_evals);
  put(out, e.sigma);
  put(out, e.condition);
}

EpochRecord get_epoch(Reader& r) {
  EpochRecord e;
  e.time = r.get<double>();
  e.train_loss = r.get<double>();
  e.train_acc = r.get<double>();
  e.val_loss = r.get<double>();
  e.val_acc = r.get<double>();
  e.model_evals = r.get<std::int64_t>();
  e.grad_evals = r.get<std::int64_t>();
  e.sigma = r.get<double>();
  e.condition = r.get<double>();
  return e;
}

}  // namespace

void pack(const RunRecord& rec, std::vector<char>& out) {
  put_string(out, rec.optimizer);
  put_string(out, rec.optimizer_type);
  put_string(out, rec.hyperparams);
  put<std::uint64_t>(out, rec.seed);
  put<std::int32_t>(out, rec.run_index);
  put_string(out, rec.dataset);
  put_string(out, rec.model_shape);
  put_string(out, rec.config_json);
  put_string(out, rec.version);
  const RunResult& r = rec.result;
  put<std::uint64_t>(out, r.history.size());
  for (const EpochRecord& e : r.history) put_epoch(out, e);
  put(out, r.time);
  put(out, r.train_loss);
  put(out, r.train_acc);
  put(out, r.val_loss);
  put(out, r.val_acc);
  put(out, r.test_loss);
  put(out, r.test_acc);
  put<std::int64_t>(out, r.model_evals);
  put<std::int64_t>(out, r.grad_evals);
  put<std::int32_t>(out, r.epochs);
  put<std::int32_t>(out, r.best_epoch);
  put_string(out, r.stop_reason);
  put<std::uint64_t>(out, static_cast<std::uint64_t>(r.final_params.size()));
  const char* p = reinterpret_cast<const char*>(r.final_params.data());
  out.insert(out.end(), p, p + sizeof(double) * static_cast<std::size_t>(r.final_params.size()));
}

RunRecord unpack_record(const std::vector<char>& in, std::size_t& pos) {
  Reader rd(in, pos);
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
  const std::uint64_t epochs = rd.get<std::uint64_t>();
  if (epochs > in.size()) throw RuntimeError("MPI message: corrupt record (epoch count)");
  r.history.reserve(static_cast<std::size_t>(epochs));
  for (std::uint64_t i = 0; i < epochs; ++i) r.history.push_back(get_epoch(rd));
  r.time = rd.get<double>();
  r.train_loss = rd.get<double>();
  r.train_acc = rd.get<double>();
  r.val_loss = rd.get<double>();
  r.val_acc = rd.get<double>();
  r.test_loss = rd.get<double>();
  r.test_acc = rd.get<double>();
  r.model_evals = rd.get<std::int64_t>();
  r.grad_evals = rd.get<std::int64_t>();
  r.epochs = rd.get<std::int32_t>();
  r.best_epoch = rd.get<std::int32_t>();
  r.stop_reason = rd.get_string();
  const std::uint64_t n = rd.get<std::uint64_t>();
  if (n > in.size()) throw RuntimeError("MPI message: corrupt record (parameter count)");
  r.final_params.resize(static_cast<Index>(n));
  for (std::uint64_t i = 0; i < n; ++i) r.final_params(static_cast<Index>(i)) = rd.get<double>();
  return rec;
}

void pack(const JobSpec& job, std::vector<char>& out) {
  put<std::int32_t>(out, job.optimizer);
  put<std::int32_t>(out, job.run);
  put<std::uint8_t>(out, job.population ? 1 : 0);
  put_string(out, job.payload);
}

JobSpec unpack_job(const std::vector<char>& in, std::size_t& pos) {
  Reader rd(in, pos);
  JobSpec job;
  job.optimizer = rd.get<std::int32_t>();
  job.run = rd.get<std::int32_t>();
  job.population = rd.get<std::uint8_t>() != 0;
  job.payload = rd.get_string();
  return job;
}

}  // namespace neurocma

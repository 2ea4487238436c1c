// Compact binary form of run records, for the messages between ranks and for
// checkpoints. The metric fields follow run_metrics() (train/record.hpp). Doubles are
// copied bit for bit, so NaN and infinities round-trip exactly. Both ends run
// the same binary, so native byte order is used.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "neurocma/io/results.hpp"

namespace neurocma {

// Appends trivially copyable values, strings and double arrays to a buffer.
class ByteWriter {
 public:
  explicit ByteWriter(std::vector<char>& out) : m_out(out) {}
  template <typename T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable<T>::value, "raw copy only");
    const char* p = reinterpret_cast<const char*>(&v);
    m_out.insert(m_out.end(), p, p + sizeof(T));
  }
  void put_string(const std::string& s);
  // A count followed by the values.
  void put_doubles(const double* data, std::size_t n);

 private:
  std::vector<char>& m_out;
};

// Reads what ByteWriter wrote. Throws RuntimeError("<what>: truncated ...")
// instead of reading past the end.
class ByteReader {
 public:
  ByteReader(const std::vector<char>& in, std::size_t& pos, std::string what)
      : m_in(in), m_pos(pos), m_what(std::move(what)) {}
  template <typename T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, m_in.data() + m_pos, sizeof(T));
    m_pos += sizeof(T);
    return v;
  }
  std::string get_string();
  std::vector<double> get_doubles();
  // A count read from the buffer, checked to be at most what the remaining
  // bytes can hold at `min_bytes` each.
  std::uint64_t get_count(std::size_t min_bytes);
  const std::string& what() const { return m_what; }

 private:
  void need(std::uint64_t n) const;
  const std::vector<char>& m_in;
  std::size_t& m_pos;
  std::string m_what;
};

// Appends `rec` (including result.final_params) to `out`.
void pack(const RunRecord& rec, std::vector<char>& out);

void pack(const EpochRecord& e, ByteWriter& w);

// Reads what pack() wrote, starting at `pos` (advanced past it).
// Throws RuntimeError("<what>: ...") on a truncated or malformed buffer.
RunRecord unpack_record(const std::vector<char>& in, std::size_t& pos,
                        const std::string& what = "MPI message");
EpochRecord unpack_epoch(ByteReader& r);

}  // namespace neurocma

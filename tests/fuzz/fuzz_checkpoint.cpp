// libFuzzer target: the checkpoint reader (read_finished_checkpoint,
// read_job_checkpoint). Byte 0 of the input chooses:
//   bit 0  the kind: 0 finished.ckpt, 1 a job's state file;
//   bit 1  1: the rest is the whole file, as found on disk;
//          0: the rest is the kind's fields only, and the target wraps them
//             as write_file() does (header, this build's version, the
//             identity, checksum). Without this, nearly every mutation would
//             stop at the checksum and the fields behind it would go unfuzzed.
// The header layout is taken from files written by this build in
// LLVMFuzzerInitialize, not restated here. A file that reads must be
// written back and read again to the same state.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "neurocma/app/checkpoint.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/serialize.hpp"

namespace {

using namespace neurocma;

constexpr std::size_t kHeader = 24;  // magic, format, kind, then the u64 payload size
constexpr std::size_t kSizeAt = 16;

struct Layout {
  nlohmann::json identity = {{"fuzz", "identity"}};
  std::vector<char> header[2];  // finished, job
  std::vector<char> prefix;     // version string and identity, both kinds
};

std::vector<char> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<char> wrap(const Layout& l, int kind, const char* fields, std::size_t n) {
  std::vector<char> payload(l.prefix);
  payload.insert(payload.end(), fields, fields + n);
  std::vector<char> file(l.header[kind]);
  const std::uint64_t size = payload.size();
  std::memcpy(file.data() + kSizeAt, &size, sizeof size);
  file.insert(file.end(), payload.begin(), payload.end());
  const std::uint64_t sum = checksum64(payload.data(), payload.size());
  const char* p = reinterpret_cast<const char*>(&sum);
  file.insert(file.end(), p, p + sizeof sum);
  return file;
}

Layout g_layout;

std::string dir() {
  return fuzz::temp_dir() + "/in";
}
std::string job_path() {
  return dir() + "/job.ckpt";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Layout& l = g_layout;
  std::filesystem::create_directories(dir());
  std::filesystem::create_directories(fuzz::temp_dir() + "/again");
  // An empty finished.ckpt: payload = prefix + u64 count 0.
  write_finished_checkpoint(dir(), l.identity, {});
  const std::vector<char> fin = read_all(finished_checkpoint_path(dir()));
  NEUROCMA_FUZZ_CHECK(fin.size() >= kHeader + 8 + 8);
  l.header[0].assign(fin.begin(), fin.begin() + kHeader);
  l.prefix.assign(fin.begin() + kHeader, fin.end() - 8 - 8);
  TrainState st;
  write_job_checkpoint(job_path(), l.identity, "adam", 0, st);
  const std::vector<char> job = read_all(job_path());
  l.header[1].assign(job.begin(), job.begin() + kHeader);
  // The layout assumed by wrap() is the one written: re-wrapping reproduces both files.
  const std::uint64_t zero = 0;
  NEUROCMA_FUZZ_CHECK(wrap(l, 0, reinterpret_cast<const char*>(&zero), 8) == fin);
  const std::size_t fields = job.size() - kHeader - l.prefix.size() - 8;
  NEUROCMA_FUZZ_CHECK(wrap(l, 1, job.data() + kHeader + l.prefix.size(), fields) == job);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Layout& l = g_layout;
  const int kind = data[0] & 1;
  const bool raw = (data[0] & 2) != 0;
  const char* rest = reinterpret_cast<const char*>(data + 1);
  const std::vector<char> file =
      raw ? std::vector<char>(rest, rest + size - 1) : wrap(l, kind, rest, size - 1);
  const std::string path = kind == 0 ? finished_checkpoint_path(dir()) : job_path();
  fuzz::write_bytes(path, reinterpret_cast<const std::uint8_t*>(file.data()), file.size());
  const std::string again = fuzz::temp_dir() + "/again";
  if (kind == 0) {
    std::vector<RunRecord> runs;
    try {
      runs = read_finished_checkpoint(dir(), l.identity);
    } catch (const ConfigError&) {
      return 0;
    } catch (const RuntimeError&) {
      return 0;
    }
    write_finished_checkpoint(again, l.identity, runs);
    NEUROCMA_FUZZ_CHECK(read_finished_checkpoint(again, l.identity).size() == runs.size());
    return 0;
  }
  // Expect the optimizer and run the file names (a mismatch is refused
  // first, and the unit tests cover that), so the fuzzer gets past it.
  std::string optimizer = "adam";
  int run = 0;
  if (!raw) {
    try {
      const std::vector<char> fields(rest, rest + size - 1);
      std::size_t pos = 0;
      ByteReader r(fields, pos, "peek");
      optimizer = r.get_string();
      run = r.get<std::int32_t>();
    } catch (const RuntimeError&) {
    }
  }
  TrainState st;
  try {
    if (!read_job_checkpoint(path, l.identity, optimizer, run, st)) return 0;
  } catch (const ConfigError&) {
    return 0;
  } catch (const RuntimeError&) {
    return 0;
  }
  const std::string path2 = again + "/job.ckpt";
  write_job_checkpoint(path2, l.identity, optimizer, run, st);
  TrainState st2;
  NEUROCMA_FUZZ_CHECK(read_job_checkpoint(path2, l.identity, optimizer, run, st2));
  NEUROCMA_FUZZ_CHECK(st2.order == st.order && st2.params.size() == st.params.size() &&
                      st2.history.size() == st.history.size() &&
                      st2.method.size() == st.method.size());
  return 0;
}

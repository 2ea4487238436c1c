// Shared by the libFuzzer targets (docs/reliability.md, "Fuzzing"): a private
// temporary directory for readers that take a path, and the rule for what
// counts as a finding. Not part of the library.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace neurocma::fuzz {

// A directory of this process under $TMPDIR, removed at exit. libFuzzer runs
// one input at a time, so each target rewrites the same few files in it.
// (Never destroyed: the exit handler that removes it runs after static destructors.)
inline const std::string& temp_dir() {
  static const std::string* const dir = [] {
    const char* base = std::getenv("TMPDIR");
    auto* tmpl =
        new std::string(std::string(base && *base ? base : "/tmp") + "/neurocma-fuzz.XXXXXX");
    if (::mkdtemp(tmpl->data()) == nullptr) {
      std::perror("neurocma fuzz: mkdtemp");
      std::abort();
    }
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir(), ec);
    });
    return tmpl;
  }();
  return *dir;
}

// Writes `size` bytes to `path` (replacing it); aborts if that fails, which
// is the harness's fault, not a finding in the code under test.
inline void write_bytes(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(("neurocma fuzz: cannot write " + path).c_str());
    std::abort();
  }
}

}  // namespace neurocma::fuzz

// Every target: input bytes in, the reader's result or an expected rejection
// (neurocma::ConfigError or RuntimeError, caught) out. Anything else is a
// finding: a crash, a sanitizer report, a hang, an exception of another type
// (it escapes LLVMFuzzerTestOneInput and aborts), or a failed NEUROCMA_FUZZ_CHECK.
#define NEUROCMA_FUZZ_CHECK(cond)                                                        \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

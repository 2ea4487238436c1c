// advise_huge_pages(): the training set ends up on 2 MiB pages where the
// kernel offers them, and the contents survive the collapse.
#include <gtest/gtest.h>
#include <sys/utsname.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "neurocma/core/memory.hpp"

namespace {

// Huge pages can be asked for: THP not "[never]" and MADV_COLLAPSE (Linux >= 6.1).
bool kernel_offers_collapse() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  if (!f || !std::getline(f, mode) || mode.find("[never]") != std::string::npos) return false;
  utsname u{};
  int major = 0, minor = 0;
  if (uname(&u) != 0 || std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
  return major > 6 || (major == 6 && minor >= 1);
}

// AnonHugePages (kB) of the mapping that holds address p, from /proc/self/smaps.
long anon_huge_kb(const void* p) {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream f("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(f, line)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find(' ')) {
      inside = a >= lo && a < hi;
      continue;
    }
    long kb = 0;
    if (inside && std::sscanf(line.c_str(), "AnonHugePages: %ld kB", &kb) == 1) return kb;
  }
  return -1;
}

}  // namespace

TEST(AdviseHugePages, CollapsesATouchedBufferAndKeepsItsContents) {
  if (!kernel_offers_collapse()) GTEST_SKIP() << "no THP or no MADV_COLLAPSE on this kernel";
  std::vector<double> v(std::size_t{3} << 20);  // 24 MiB, touched by the zero fill
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) * 0.5;
  // madvise splits the mapping: look at the one that holds the aligned interior.
  const std::uintptr_t huge = std::uintptr_t{2} << 20;
  const void* interior = reinterpret_cast<const void*>(
      (reinterpret_cast<std::uintptr_t>(v.data()) + huge - 1) & ~(huge - 1));
  const long before = anon_huge_kb(interior);
  const std::size_t bytes = neurocma::advise_huge_pages(v.data(), sizeof(double) * v.size());
  EXPECT_GE(bytes, std::size_t{20} << 20);  // the 2 MiB-aligned interior of 24 MiB
  EXPECT_GE(anon_huge_kb(interior), before + static_cast<long>(bytes / 1024));
  for (std::size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], static_cast<double>(i) * 0.5) << i;
}

TEST(AdviseHugePages, BuffersWithoutAWholeHugePageAreLeftAlone) {
  std::vector<double> small(1000, 1.0);
  EXPECT_EQ(neurocma::advise_huge_pages(small.data(), sizeof(double) * small.size()), 0u);
  EXPECT_EQ(neurocma::advise_huge_pages(nullptr, std::size_t{64} << 20), 0u);
}

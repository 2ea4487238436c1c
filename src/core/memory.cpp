#include "neurocma/core/memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>

#include "neurocma/core/error.hpp"

namespace neurocma {

namespace {
#ifndef MADV_COLLAPSE
constexpr int MADV_COLLAPSE = 25;  // Linux 6.1 uapi value; older kernels answer EINVAL
#endif
constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
}  // namespace

std::size_t advise_huge_pages(void* data, std::size_t bytes) {
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHugePage - 1);
  if (data == nullptr || last <= first) return 0;
  void* p = reinterpret_cast<void*>(first);
  const std::size_t len = last - first;
  if (madvise(p, len, MADV_HUGEPAGE) != 0) return 0;
  return madvise(p, len, MADV_COLLAPSE) == 0 ? len : 0;
}

}  // namespace neurocma

namespace neurocma {

namespace {

// A cgroup v2 (memory.max) or v1 (memory.limit_in_bytes) limit of this
// process, 0 when there is none.
double cgroup_limit() {
  std::ifstream self("/proc/self/cgroup");
  std::string line, path = "/";
  while (std::getline(self, line))
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  for (const std::string& file :
       {"/sys/fs/cgroup" + path + "/memory.max", std::string("/sys/fs/cgroup/memory.max"),
        std::string("/sys/fs/cgroup/memory/memory.limit_in_bytes")}) {
    std::ifstream in(file);
    std::string v;
    if (!(in >> v) || v == "max") continue;
    char* end = nullptr;
    const double b = std::strtod(v.c_str(), &end);
    // cgroup v1 writes a huge number for "no limit".
    if (end != v.c_str() && b > 0 && b < 1e18) return b;
  }
  return 0;
}

}  // namespace

MemoryLimit memory_limit() {
  if (const char* env = std::getenv("NEUROCMA_MEMORY_LIMIT"); env && *env) {
    char* end = nullptr;
    double v = std::strtod(env, &end);
    const std::string unit = end ? std::string(end) : std::string();
    const std::string units = "KMGT";
    double scale = 1;
    if (unit.size() == 1 &&
        units.find(static_cast<char>(std::toupper(unit[0]))) != std::string::npos)
      scale = std::pow(
          1024.0, 1 + static_cast<double>(units.find(static_cast<char>(std::toupper(unit[0])))));
    else if (!unit.empty())
      v = -1;
    if (end == env || !(v > 0) || !std::isfinite(v))
      throw ConfigError(std::string("NEUROCMA_MEMORY_LIMIT '") + env +
                        "': expected a positive number of bytes, or a number with K, M, G or T");
    return {v * scale, "that NEUROCMA_MEMORY_LIMIT allows"};
  }
  const double phys =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  const double cg = cgroup_limit();
  if (cg > 0 && (phys <= 0 || cg < phys))
    return {cg, "of this cgroup's memory limit (NEUROCMA_MEMORY_LIMIT sets another)"};
  if (phys > 0) return {phys, "of physical memory (NEUROCMA_MEMORY_LIMIT sets another limit)"};
  return {1e300, "(unknown)"};
}

}  // namespace neurocma

#include "neurocma/core/memory.hpp"

#include <sys/mman.h>

#include <cstdint>

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

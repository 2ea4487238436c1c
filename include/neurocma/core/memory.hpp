// Memory placement hints.
#pragma once
#include <cstddef>
#include <string>

namespace neurocma {

// Asks the kernel to back [data, data + bytes) with 2 MiB transparent huge
// pages (madvise MADV_HUGEPAGE, then MADV_COLLAPSE for pages already
// touched). Mini-batches gather random samples from the training set, one
// 4 KiB page each; under a virtual machine's nested paging each of those TLB
// misses cost about 3 us, 0.75 ms per 256-sample batch on MNIST, and huge
// pages remove most of them (docs/benchmarks.md). Only the 2 MiB-aligned
// interior is advised. A hint: returns how many bytes were collapsed into
// huge pages, 0 where the kernel lacks THP or MADV_COLLAPSE (Linux < 6.1).
std::size_t advise_huge_pages(void* data, std::size_t bytes);

// The memory a run may plan for: NEUROCMA_MEMORY_LIMIT (bytes, or a number
// with K, M, G or T) if set, else the smaller of the physical memory and the
// cgroup's limit (memory.max, a Slurm job's --mem). `source` says which, for
// messages ("of physical memory"). Throws ConfigError on a malformed variable.
struct MemoryLimit {
  double bytes = 0;
  std::string source;
};
MemoryLimit memory_limit();

}  // namespace neurocma

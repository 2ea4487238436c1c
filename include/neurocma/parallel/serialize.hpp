// Compact binary form of the records that travel between ranks. Doubles are
// copied bit for bit, so NaN and infinities round-trip exactly. Both ends run
// the same binary, so native byte order is used.
#pragma once
#include <string>
#include <vector>

#include "neurocma/io/results.hpp"
#include "neurocma/parallel/scheduler.hpp"

namespace neurocma {

// Appends `rec` (including result.final_params) to `out`.
void pack(const RunRecord& rec, std::vector<char>& out);
void pack(const JobSpec& job, std::vector<char>& out);

// Reads what pack() wrote, starting at `pos` (advanced past it).
// Throws RuntimeError on a truncated or malformed buffer.
RunRecord unpack_record(const std::vector<char>& in, std::size_t& pos);
JobSpec unpack_job(const std::vector<char>& in, std::size_t& pos);

}  // namespace neurocma

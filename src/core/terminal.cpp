#include "neurocma/core/terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace neurocma {

namespace {

bool set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] != '\0';
}

// An environment variable holding an integer greater than 1.
bool above_one(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::atol(v) > 1;
}

}  // namespace

bool interactive_terminal(int fd) {
  if (isatty(fd) == 0) return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  // Several ranks started by Open MPI, MPICH/Hydra or srun. (A serial run is
  // an MPI singleton: Open MPI sets OMPI_COMM_WORLD_SIZE=1 for it.)
  return !above_one("OMPI_COMM_WORLD_SIZE") && !above_one("PMI_SIZE") &&
         !(set("SLURM_PROCID") && above_one("SLURM_NTASKS"));
}

bool use_color(int fd) {
  return interactive_terminal(fd) && !set("NO_COLOR");
}

}  // namespace neurocma

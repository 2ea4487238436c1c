// What the standard streams are connected to, for progress lines and styles.
#pragma once

namespace neurocma {

// Whether fd is an interactive terminal that deserves a live progress line
// (carriage returns): a TTY, TERM not "dumb", and not one of several ranks
// started by mpirun or srun. Open MPI hands every rank a pseudo-terminal even when mpirun's own
// output goes to a log file, so a rank cannot tell; it logs plain lines.
bool interactive_terminal(int fd);

// interactive_terminal(fd), and the user has not asked for plain text with
// NO_COLOR (https://no-color.org): whether ANSI bold may be used.
bool use_color(int fd);

}  // namespace neurocma

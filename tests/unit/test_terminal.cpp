// Live progress lines and ANSI bold only on an interactive terminal: not on a
// pipe, not for an MPI rank (whose pseudo-terminal may lead to a log file),
// and no bold with NO_COLOR.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "env_guard.hpp"
#include "neurocma/core/terminal.hpp"

namespace {

TEST(Terminal, PipeIsNeverInteractive) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_FALSE(neurocma::interactive_terminal(fds[1]));
  EXPECT_FALSE(neurocma::use_color(fds[1]));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(Terminal, PseudoTerminalUnlessMpiRankDumbTermOrNoColor) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) GTEST_SKIP() << "no pseudo-terminals here";
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  {
    EnvGuard a("OMPI_COMM_WORLD_SIZE", nullptr), b("PMI_SIZE", nullptr), c("SLURM_PROCID", nullptr),
        d("NO_COLOR", nullptr), e("TERM", "xterm"), f("SLURM_NTASKS", nullptr);
    EXPECT_TRUE(neurocma::interactive_terminal(slave));
    EXPECT_TRUE(neurocma::use_color(slave));
    {
      EnvGuard mpi("OMPI_COMM_WORLD_SIZE", "2");
      EXPECT_FALSE(neurocma::interactive_terminal(slave));
      EXPECT_FALSE(neurocma::use_color(slave));
    }
    {
      EnvGuard singleton("OMPI_COMM_WORLD_SIZE", "1");  // a serial run's MPI_Init
      EXPECT_TRUE(neurocma::interactive_terminal(slave));
    }
    {
      EnvGuard rank("SLURM_PROCID", "0"), tasks("SLURM_NTASKS", "4");
      EXPECT_FALSE(neurocma::interactive_terminal(slave));
    }
    {
      EnvGuard dumb("TERM", "dumb");
      EXPECT_FALSE(neurocma::interactive_terminal(slave));
    }
    {
      EnvGuard plain("NO_COLOR", "1");
      EXPECT_TRUE(neurocma::interactive_terminal(slave));  // live lines stay
      EXPECT_FALSE(neurocma::use_color(slave));
    }
  }
  ::close(slave);
  ::close(master);
}

}  // namespace

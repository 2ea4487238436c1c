// Running the CLI from tests: a fixture with the executable and a per-test
// directory, a command's exit code and output, and child processes whose pid
// the test knows so that it can signal them.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace neurocma::testing_support {

struct Outcome {
  int rc = -1;         // exit code, or 128 + signal
  std::string output;  // stdout and stderr
};

inline int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs a shell command line to its end.
inline Outcome run_shell(const std::string& cmd) {
  Outcome o;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return o;
  char buf[4096];
  size_t k;
  while ((k = fread(buf, 1, sizeof(buf), p)) > 0) o.output.append(buf, k);
  o.rc = exit_code(pclose(p));
  return o;
}

// A child process whose pid we know: the shell prints $$ and execs the
// command (a plain command; no VAR=value prefix). Killed if still running
// when destroyed.
class Child {
 public:
  explicit Child(const std::string& cmd) {
    m_pipe = popen(("sh -c 'echo $$; exec " + cmd + "' 2>&1").c_str(), "r");
    char line[64] = {0};
    if (m_pipe && fgets(line, sizeof(line), m_pipe)) m_pid = static_cast<pid_t>(std::atol(line));
  }
  ~Child() {
    if (m_pipe) {
      if (m_pid > 0) kill(m_pid, SIGKILL);
      pclose(m_pipe);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return m_pid; }
  // Reads the output line by line until a line contains `needle`; false at
  // the end of the output.
  bool wait_for_output(const std::string& needle) {
    char line[4096];
    while (m_pipe && fgets(line, sizeof(line), m_pipe)) {
      m_seen += line;
      if (std::string(line).find(needle) != std::string::npos) return true;
    }
    return false;
  }
  // Reads the rest of the output and waits for the exit.
  Outcome wait() {
    Outcome o;
    o.output = m_seen;
    if (!m_pipe) return o;
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof(buf), m_pipe)) > 0) o.output.append(buf, k);
    o.rc = exit_code(pclose(m_pipe));
    m_pipe = nullptr;
    return o;
  }

 private:
  FILE* m_pipe = nullptr;
  pid_t m_pid = 0;
  std::string m_seen;
};

// A test that runs NEUROCMA_BIN_DIR/<exe> in its own temporary directory.
class CliTest : public ::testing::Test {
 protected:
  // Skips the test unless the executable exists; creates m_dir, named after
  // `prefix`, the process and the test. Callers check IsSkipped() after it.
  void prepare(const std::string& exe, const std::string& prefix) {
    const char* bin = std::getenv("NEUROCMA_BIN_DIR");
    if (!bin) GTEST_SKIP() << "NEUROCMA_BIN_DIR not set";
    m_exe = std::string(bin) + "/" + exe;
    if (!std::filesystem::exists(m_exe)) GTEST_SKIP() << m_exe << " not built";
    m_dir = std::filesystem::temp_directory_path() /
            (prefix + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir);
  }
  // Skips the test without mpirun; otherwise sets what Open MPI needs to run
  // as root and with more ranks than cores.
  void require_mpirun() {
    if (std::system("command -v mpirun >/dev/null 2>&1") != 0) GTEST_SKIP() << "no mpirun";
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
  }
  void TearDown() override {
    if (!m_dir.empty()) std::filesystem::remove_all(m_dir);
  }

  std::string m_exe;
  std::filesystem::path m_dir;
};

}  // namespace neurocma::testing_support

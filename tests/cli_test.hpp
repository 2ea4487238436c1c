// Running the CLI from tests: a command's exit code and output, and child
// processes whose pid the test knows so that it can signal them.
#pragma once
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
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

}  // namespace neurocma::testing_support

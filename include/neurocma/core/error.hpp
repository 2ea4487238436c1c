// The project's error types. User, config and I/O problems throw these; main()
// prints the message once and maps the type to the exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace neurocma {

// Bad input from the user: config, command line, hyperparameters. Exit code 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Failure while running: missing or corrupt data, I/O, MPI. Exit code 1.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exit codes documented in the README.
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 3;  // SIGTERM/SIGUSR1 after a checkpoint

}  // namespace neurocma

// Graceful interruption (SIGINT, SIGTERM, SIGUSR1, SIGHUP; SIGPIPE ignored) and clean-up of files
// that must not survive a failed or interrupted run (the results' .partial file).
//
// The first signal sets a flag that training loops poll through interrupted()
// and removes every file registered with remove_on_abort(); a second signal
// ends the process at once with kExitInterrupted.
#pragma once
#include <string>

namespace neurocma {

// Installs the handlers (idempotent). Call once early in main on every rank.
void install_signal_handlers();
// True once a handled signal arrived (async-signal-safe flag).
bool interrupted();
// The signal number that set the flag, 0 if none.
int interrupt_signal();
// Registers a file to unlink on the first signal and in ParallelContext::fail/
// abort. At most 8 paths; longer than 4095 characters throws RuntimeError.
void remove_on_abort(const std::string& path);
// Unregisters a path (e.g. after a successful commit).
void keep_on_abort(const std::string& path);
// Unlinks every registered file now (async-signal-safe).
void remove_registered_files();
// No message from the handler from now on (the process is already ending
// with an error of its own, and MPI_Abort signals the other ranks).
void quiet_signals();
// For tests: clears the flag.
void reset_interrupted();

}  // namespace neurocma

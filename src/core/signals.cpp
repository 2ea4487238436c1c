// Signal flag and registered clean-up files. Everything the handler touches is
// a fixed-size static buffer, so it stays async-signal-safe (unlink, write).
#include "neurocma/core/signals.hpp"

#include <unistd.h>

#include <csignal>
#include <cstring>

#include "neurocma/core/error.hpp"

namespace neurocma {
namespace {

constexpr int kMaxFiles = 8;
constexpr std::size_t kMaxPath = 4096;
volatile std::sig_atomic_t g_signal = 0;
char g_files[kMaxFiles][kMaxPath];
volatile std::sig_atomic_t g_used[kMaxFiles] = {};
bool g_installed = false;
volatile std::sig_atomic_t g_quiet = 0;

extern "C" void on_signal(int sig) {
  if (g_signal != 0) _exit(kExitInterrupted);  // second signal: no more waiting
  g_signal = sig;
  remove_registered_files();
  if (g_quiet) return;
  static const char msg[] = "neurocma: interrupted by a signal, stopping\n";
  const ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
  (void)w;
}

}  // namespace

void install_signal_handlers() {
  if (g_installed) return;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  // A closed terminal (SIGHUP) stops a run like SIGTERM: with a checkpoint.
  for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGHUP}) sigaction(sig, &sa, nullptr);
  // A closed pipe (`neurocma run ... | head`) must not kill a run: writes to
  // it fail with EPIPE instead, and the results file is still written.
  std::signal(SIGPIPE, SIG_IGN);
  g_installed = true;
}

bool interrupted() {
  return g_signal != 0;
}
int interrupt_signal() {
  return static_cast<int>(g_signal);
}
void reset_interrupted() {
  g_signal = 0;
}
void quiet_signals() {
  g_quiet = 1;
}

void remove_on_abort(const std::string& path) {
  if (path.size() >= kMaxPath)
    throw RuntimeError("remove_on_abort: path longer than 4095 characters: " + path.substr(0, 80));
  for (int i = 0; i < kMaxFiles; ++i)
    if (g_used[i] && path == g_files[i]) return;
  for (int i = 0; i < kMaxFiles; ++i)
    if (!g_used[i]) {
      std::memcpy(g_files[i], path.c_str(), path.size() + 1);
      g_used[i] = 1;
      return;
    }
  throw RuntimeError("remove_on_abort: more than 8 files registered");
}

void keep_on_abort(const std::string& path) {
  for (int i = 0; i < kMaxFiles; ++i)
    if (g_used[i] && path == g_files[i]) g_used[i] = 0;
}

void remove_registered_files() {
  for (int i = 0; i < kMaxFiles; ++i)
    if (g_used[i]) unlink(g_files[i]);
}

}  // namespace neurocma

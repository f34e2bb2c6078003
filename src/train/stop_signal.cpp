#include "astrom3/train/stop_signal.h"

#include <atomic>
#include <csignal>

namespace astrom3::train {
namespace {

std::atomic<int> g_signal{0};
std::atomic<int> g_depth{0};
struct sigaction g_previous_int, g_previous_term;

extern "C" void on_stop_signal(int signal) {
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, signal)) {
    // Second signal: stop waiting for the step, die with the signal's default action.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

}  // namespace

StopSignalScope::StopSignalScope() {
  // Scopes nest (a training command's around the trainer's): only the outermost installs the
  // handlers, so a signal received before the inner scope opened is kept.
  if (g_depth++ > 0) return;
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopSignalScope::~StopSignalScope() {
  if (--g_depth > 0) return;
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

int stop_requested() {
  return g_signal.load();
}

}  // namespace astrom3::train

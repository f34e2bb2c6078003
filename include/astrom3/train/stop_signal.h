// Graceful stop on SIGINT and SIGTERM (batch schedulers send SIGTERM before they kill a job):
// the first signal asks training to finish its current step and write a resumable checkpoint;
// a second one terminates the process at once.
#pragma once

namespace astrom3::train {

/// Installs the handlers for the lifetime of the object and restores the previous ones after.
/// Scopes nest: an inner scope keeps the outer one's handlers and any signal already received.
class StopSignalScope {
 public:
  StopSignalScope();
  ~StopSignalScope();
  StopSignalScope(const StopSignalScope&) = delete;
  StopSignalScope& operator=(const StopSignalScope&) = delete;
};

/// The number of the first stop signal received since the scope was installed, or 0.
int stop_requested();

}  // namespace astrom3::train

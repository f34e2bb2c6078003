// The live progress line: epoch, step, loss, samples per second and time left. On a terminal
// it is redrawn in place on stderr; otherwise (batch jobs, pipes) it is logged every N steps.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace astrom3::train {

class ProgressLine {
 public:
  /// `steps_left_in_run`: optimiser steps from now to the end of the last epoch. A disabled
  /// line (ranks other than 0 of a data-parallel job) shows nothing.
  ProgressLine(std::int64_t steps_left_in_run, std::int64_t log_every_steps, bool enabled = true);
  ~ProgressLine();

  void step(std::int64_t epoch, std::int64_t epochs, std::int64_t step_in_epoch,
            std::int64_t steps_per_epoch, double loss, double samples_per_s);
  /// Ends the in-place line (before other log output).
  void finish_line();

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool terminal_;
  std::int64_t log_every_;
  std::int64_t steps_left_;
  std::int64_t steps_done_ = 0;
  Clock::time_point start_ = Clock::now();
  bool line_open_ = false;
};

/// "1h02m", "4m05s", "12s".
std::string format_duration(double seconds);

}  // namespace astrom3::train

#include "astrom3/train/progress.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include <unistd.h>

namespace astrom3::train {

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof(text), "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(text, sizeof(text), "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof(text), "%llds", s);
  }
  return text;
}

ProgressLine::ProgressLine(std::int64_t steps_left_in_run, std::int64_t log_every_steps,
                           bool enabled)
    : enabled_(enabled),
      terminal_(::isatty(STDERR_FILENO) == 1),
      log_every_(log_every_steps),
      steps_left_(steps_left_in_run) {}

ProgressLine::~ProgressLine() {
  finish_line();
}

void ProgressLine::step(std::int64_t epoch, std::int64_t epochs, std::int64_t step_in_epoch,
                        std::int64_t steps_per_epoch, double loss, double samples_per_s) {
  if (!enabled_) return;
  ++steps_done_;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double eta = elapsed / static_cast<double>(steps_done_) *
                     static_cast<double>(std::max<std::int64_t>(0, steps_left_ - steps_done_));
  const auto text =
      fmt::format("epoch {}/{} step {}/{} loss {:.4f} {:.0f} samples/s ETA {}", epoch + 1, epochs,
                  step_in_epoch, steps_per_epoch, loss, samples_per_s, format_duration(eta));
  if (terminal_) {
    std::fprintf(stderr, "\r%s\033[K", text.c_str());
    std::fflush(stderr);
    line_open_ = true;
  } else if (step_in_epoch % log_every_ == 0 || step_in_epoch == steps_per_epoch) {
    spdlog::info("{}", text);
  }
}

void ProgressLine::finish_line() {
  if (line_open_) {
    std::fprintf(stderr, "\n");
    line_open_ = false;
  }
}

}  // namespace astrom3::train

// One place that configures spdlog. Library code logs through spdlog's default logger with a
// "[component]" prefix in the message; it never writes to stdout (stdout carries command output).
#pragma once

#include <string>

namespace astrom3 {

/// Sends log messages to stderr at `level` (trace, debug, info, warn, error, critical, off).
/// Throws ConfigError on an unknown level name.
void init_logging(const std::string& level);

/// Prefixes every message with "rank R" and, on ranks other than 0, shows only warnings and
/// errors, so that a data-parallel job logs once (rank 0) and every rank's errors stay visible.
void set_logging_rank(int rank);

}  // namespace astrom3

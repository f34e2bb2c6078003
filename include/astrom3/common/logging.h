// One place that configures spdlog. Library code logs through spdlog's default logger with a
// "[component]" prefix in the message; it never writes to stdout (stdout carries command output).
#pragma once

#include <string>

namespace astrom3 {

/// Sends log messages to stderr at `level` (trace, debug, info, warn, error, critical, off).
/// Throws ConfigError on an unknown level name.
void init_logging(const std::string& level);

}  // namespace astrom3

#include "astrom3/common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "astrom3/common/error.h"

namespace astrom3 {

void init_logging(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  // from_str maps unknown names to "off"; only accept "off" when it was asked for.
  if (parsed == spdlog::level::off && level != "off") {
    throw ConfigError(
        "--log-level: expected one of trace, debug, info, warn, error, critical, "
        "off, got \"" +
        level + "\"");
  }
  auto logger = spdlog::stderr_color_mt("astrom3");
  logger->set_pattern("%^[%H:%M:%S.%e] [%l]%$ %v");
  logger->set_level(parsed);
  spdlog::set_default_logger(logger);
}

void set_logging_rank(int rank) {
  auto logger = spdlog::default_logger();
  logger->set_pattern("%^[%H:%M:%S.%e] [rank " + std::to_string(rank) + "] [%l]%$ %v");
  if (rank != 0 && logger->level() < spdlog::level::warn) logger->set_level(spdlog::level::warn);
}

}  // namespace astrom3

// Flags accepted before any subcommand: --log-level, --threads, --device.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace astrom3::cli {

struct GlobalFlags {
  std::optional<std::string> log_level;
  std::optional<int> threads;
  std::optional<std::string> device;
};

void add_global_flags(CLI::App& app, GlobalFlags& flags);

}  // namespace astrom3::cli

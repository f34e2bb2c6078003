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

/// A message naming the first argument that is neither a flag (nor a global flag's value) nor
/// one of `app`'s subcommands, with the list of commands; empty when there is none. CLI11 says
/// only "A subcommand is required" for `astrom3 frobnicate`.
std::string unknown_command_message(const CLI::App& app, int argc, const char* const* argv);

}  // namespace astrom3::cli

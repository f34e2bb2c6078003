// --config / --set / --dump-config, shared by every command that takes a configuration, and
// the one function that resolves them together with the global and typed flags.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "astrom3/config/run_config.h"
#include "cli/global_flags.h"

namespace astrom3::cli {

struct ConfigFlags {
  std::vector<std::string> files;
  std::vector<std::string> assignments;
  bool dump_config = false;
};

void add_config_flags(CLI::App& command, ConfigFlags& flags);

/// Resolves the configuration: defaults < files < --set < global flags < `typed` flags of the
/// command. Then applies the runtime section (logging, threads).
/// `base`: a complete config to start from instead of the defaults (a resumed run's), or null.
config::RunConfig resolve_config(const ConfigFlags& flags, const GlobalFlags& global,
                                 std::vector<std::pair<std::string, nlohmann::json>> typed = {},
                                 const nlohmann::json& base = nullptr);

/// Prints the resolved config as JSON on stdout.
void print_config(const config::RunConfig& config);

}  // namespace astrom3::cli

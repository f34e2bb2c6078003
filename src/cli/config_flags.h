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

/// Whether any of --config, --set, --dump-config was given.
bool given(const ConfigFlags& flags);

/// A command's own flags as (dotted key, value) pairs, the highest-precedence source.
using TypedFlags = std::vector<std::pair<std::string, nlohmann::json>>;

/// Adds `key` = `*value` when the flag was given.
template <typename T>
void add_typed(TypedFlags& typed, const char* key, const std::optional<T>& value) {
  if (value) typed.emplace_back(key, *value);
}

/// ConfigError "<command>: <flag> is required" when `value` is empty. Commands whose inputs are
/// flags check them after --dump-config, which needs none.
void require_flag(const std::string& value, const char* command, const char* flag);

/// Warns that `command` computes on the CPU when runtime.device names an accelerator, so that a
/// global --device is never ignored silently.
void note_cpu_only(const config::RunConfig& config, const char* command);

/// Resolves the configuration: defaults < files < --set < global flags < `typed` flags of the
/// command. Then applies the runtime section (logging, threads).
/// `base`: a complete config to start from instead of the defaults (a resumed run's), or null.
config::RunConfig resolve_config(const ConfigFlags& flags, const GlobalFlags& global,
                                 TypedFlags typed = {}, const nlohmann::json& base = nullptr);

/// Prints the resolved config as JSON on stdout.
void print_config(const config::RunConfig& config);

/// resolve_config for a command without a base config; with --dump-config it prints the
/// configuration and returns nothing, and the command ends with success.
std::optional<config::RunConfig> resolve_or_dump(const ConfigFlags& flags,
                                                 const GlobalFlags& global, TypedFlags typed = {});

}  // namespace astrom3::cli

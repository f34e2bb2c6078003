#include "cli/config_flags.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"

namespace astrom3::cli {

void add_config_flags(CLI::App& command, ConfigFlags& flags) {
  command.add_option("--config", flags.files, "JSON config file(s); later files win")
      ->check(CLI::ExistingFile);
  command.add_option("--set", flags.assignments,
                     "override one setting, e.g. --set loader.batch_size=64 (repeatable)");
  command.add_flag("--dump-config", flags.dump_config,
                   "print the resolved configuration as JSON and exit");
}

bool given(const ConfigFlags& flags) {
  return !flags.files.empty() || !flags.assignments.empty() || flags.dump_config;
}

void require_flag(const std::string& value, const char* command, const char* flag) {
  if (value.empty()) throw ConfigError(std::string(command) + ": " + flag + " is required");
}

void note_cpu_only(const config::RunConfig& config, const char* command) {
  const auto& device = config.runtime.device;
  if (device != "auto" && device != "cpu") {
    spdlog::warn("[{}] computes on the CPU; runtime.device={} has no effect here", command, device);
  }
}

config::RunConfig resolve_config(const ConfigFlags& flags, const GlobalFlags& global,
                                 TypedFlags typed, const nlohmann::json& base) {
  config::ConfigSources sources;
  sources.base = base;
  sources.files.assign(flags.files.begin(), flags.files.end());
  sources.assignments = flags.assignments;
  if (global.log_level) sources.flags.emplace_back("runtime.log_level", *global.log_level);
  if (global.threads) sources.flags.emplace_back("runtime.threads", *global.threads);
  if (global.device) sources.flags.emplace_back("runtime.device", *global.device);
  for (auto& t : typed) sources.flags.push_back(std::move(t));
  config::RunConfig config = config::load_run_config(sources);
  spdlog::set_level(spdlog::level::from_str(config.runtime.log_level));
  set_num_threads(config.runtime.threads);
  return config;
}

void print_config(const config::RunConfig& config) {
  std::cout << config::to_json(config).dump(2) << std::endl;
}

std::optional<config::RunConfig> resolve_or_dump(const ConfigFlags& flags,
                                                 const GlobalFlags& global, TypedFlags typed) {
  auto config = resolve_config(flags, global, std::move(typed));
  if (!flags.dump_config) return config;
  print_config(config);
  return std::nullopt;
}

}  // namespace astrom3::cli

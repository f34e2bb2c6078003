// astrom3 synth: generate a synthetic survey file.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"

namespace astrom3::cli {

struct SynthArgs {
  std::string out;
  std::string raw_layout;  // also write the survey in the published AstroM3 raw layout here
  std::optional<std::int64_t> objects;
  std::optional<std::int64_t> unlabeled;
  std::optional<std::int64_t> unseen;
  std::optional<std::uint64_t> seed;
  ConfigFlags config;
};

CLI::App* add_synth_command(CLI::App& app, SynthArgs& args);
int run_synth(const SynthArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

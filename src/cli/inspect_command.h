// astrom3 inspect: validate a survey file and summarise it.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"

namespace astrom3::cli {

struct InspectArgs {
  std::string file;
  bool json = false;
  ConfigFlags config;
};

CLI::App* add_inspect_command(CLI::App& app, InspectArgs& args);
int run_inspect(const InspectArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

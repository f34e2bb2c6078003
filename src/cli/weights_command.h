// astrom3 export / import: move weights between astrom3 checkpoints and single safetensors
// files under the official PyTorch key names (docs/interop.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"

namespace astrom3::cli {

struct ExportArgs {
  std::string checkpoint;
  std::string out;
};

struct ImportArgs {
  std::string weights;
  std::string out;
  ConfigFlags config;
};

CLI::App* add_export_command(CLI::App& app, ExportArgs& args);
int run_export(const ExportArgs& args, const GlobalFlags& global);

CLI::App* add_import_command(CLI::App& app, ImportArgs& args);
int run_import(const ImportArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

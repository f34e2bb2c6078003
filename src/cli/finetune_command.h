// astrom3 finetune: train a classifier from scratch or from a CLIP checkpoint (docs/cli.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"
#include "cli/training_run.h"

namespace astrom3::cli {

struct FinetuneArgs {
  std::string out;
  std::string resume;
  std::string init;
  bool allow_split_mismatch = false;
  ConfigFlags config;
  DistFlags dist;
};

CLI::App* add_finetune_command(CLI::App& app, FinetuneArgs& args);
int run_finetune(const FinetuneArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

// astrom3 pretrain: CLIP pre-training of the three encoders (docs/cli.md, docs/training.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"
#include "cli/training_run.h"

namespace astrom3::cli {

struct PretrainArgs {
  std::string out;
  std::string resume;
  bool dry_run = false;
  ConfigFlags config;
  DistFlags dist;
};

CLI::App* add_pretrain_command(CLI::App& app, PretrainArgs& args);
int run_pretrain(const PretrainArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

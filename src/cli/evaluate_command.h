// astrom3 evaluate: metrics of a classifier or a CLIP checkpoint on one split (docs/cli.md).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"
#include "cli/precision_flag.h"

namespace astrom3::cli {

struct EvaluateArgs {
  std::string checkpoint;
  std::string data;
  std::string split = "test";
  std::string out;
  std::int64_t neighbours = 10;
  /// Fused classifiers: modalities to evaluate without, one extra evaluation each.
  std::vector<std::string> drop_modality;
  PrecisionFlag precision;  // --precision: of the model's forward pass
  /// --config / --set / --dump-config on the checkpoint's configuration (runtime, loader,
  /// data.path, data.split_set).
  ConfigFlags config;
};

CLI::App* add_evaluate_command(CLI::App& app, EvaluateArgs& args);
int run_evaluate(const EvaluateArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

// astrom3 predict: classify every object of a survey file with a fine-tuned classifier, labelled
// or not, into CSV or HDF5 (docs/predictions.md); whole, as one shard of N (--shard I/N, or one
// shard per rank under a distributed launch), or join shard files (--merge).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"
#include "cli/precision_flag.h"

namespace astrom3::cli {

struct PredictArgs {
  std::string checkpoint;
  std::string data;
  std::string out;
  std::string split = "all";
  std::string shard;                  // "I/N"
  std::optional<std::int64_t> batch;  // loader.batch_size; default: the checkpoint's
  std::int64_t block = 8192;          // objects preprocessed and predicted at a time
  PrecisionFlag precision;            // --precision: of the classifier's forward pass
  bool merge = false;
  std::vector<std::string> inputs;  // shard files, with --merge
  /// --config / --set / --dump-config on the checkpoint's configuration (runtime, loader,
  /// data.path, data.split_set).
  ConfigFlags config;
};

CLI::App* add_predict_command(CLI::App& app, PredictArgs& args);
int run_predict(const PredictArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

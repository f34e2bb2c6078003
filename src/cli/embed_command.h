// astrom3 embed: write the embeddings of a CLIP checkpoint to HDF5 (docs/embeddings.md), whole,
// as one shard of N (--shard I/N, or one shard per rank under a distributed launch), or join
// shard files (--merge).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"
#include "cli/precision_flag.h"

namespace astrom3::cli {

struct EmbedArgs {
  std::string checkpoint;
  std::string data;
  std::string out;
  std::string split = "all";
  std::string shard;        // "I/N"
  PrecisionFlag precision;  // --precision: of the model's forward pass
  bool merge = false;
  std::vector<std::string> inputs;  // shard files, with --merge
  /// --config / --set / --dump-config on the checkpoint's configuration (runtime, loader,
  /// data.path, data.split_set).
  ConfigFlags config;
};

CLI::App* add_embed_command(CLI::App& app, EmbedArgs& args);
int run_embed(const EmbedArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

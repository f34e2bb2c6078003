// astrom3 embed: write the embeddings of a CLIP checkpoint to HDF5 (docs/embeddings.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/global_flags.h"

namespace astrom3::cli {

struct EmbedArgs {
  std::string checkpoint;
  std::string data;
  std::string out;
  std::string split = "all";
};

CLI::App* add_embed_command(CLI::App& app, EmbedArgs& args);
int run_embed(const EmbedArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

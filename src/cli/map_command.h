// astrom3 map: a 2-D PCA map of an embedding file as CSV and PNG, and spherical k-means
// sub-clusters of one class with their members' mean catalogue values (docs/embeddings.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/global_flags.h"

namespace astrom3::cli {

struct MapArgs {
  std::string embeddings;
  std::string out;
  std::string modality = "fused";
  std::string cluster_class;
  int clusters = 2;
  std::string data;  // survey file for the clusters' mean catalogue values
  std::uint64_t seed = 0;
};

CLI::App* add_map_command(CLI::App& app, MapArgs& args);
int run_map(const MapArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

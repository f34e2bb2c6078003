// astrom3 map: a 2-D PCA map of an embedding file as CSV and PNG, and sub-clusters of one class
// (spectral clustering of the neighbour graph, or spherical k-means) with their members' mean
// catalogue values (docs/embeddings.md).
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
  std::string cluster_method = "spectral";  // spectral | kmeans
  int neighbours = 10;                      // of the spectral method's neighbour graph
  std::string data;                         // survey file for the clusters' mean catalogue values
  std::uint64_t seed = 0;
};

CLI::App* add_map_command(CLI::App& app, MapArgs& args);
int run_map(const MapArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

// astrom3 map: a 2-D PCA map of an embedding file as CSV and PNG, and sub-clusters of one class
// (spectral clustering of the neighbour graph, or spherical k-means) with their members' mean
// catalogue values (docs/embeddings.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"

namespace astrom3::cli {

// Settings flags are unset unless given; each writes one key of the `map` section.
struct MapArgs {
  std::string embeddings;
  std::string out;
  std::optional<std::string> modality;
  std::optional<std::string> cluster_class;
  std::optional<std::int64_t> clusters;
  std::optional<std::string> cluster_method;
  std::optional<std::int64_t> neighbours;
  std::string data;  // survey file for the clusters' mean catalogue values
  std::optional<std::uint64_t> seed;
  ConfigFlags config;
};

CLI::App* add_map_command(CLI::App& app, MapArgs& args);
int run_map(const MapArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

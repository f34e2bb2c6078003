// astrom3 outliers: per-class centroid-distance outliers in each modality, plus a label-free
// k-NN distance score (docs/embeddings.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"
#include "cli/index_flags.h"

namespace astrom3::cli {

// Settings flags are unset unless given; each writes one key of the `outliers` section.
struct OutliersArgs {
  std::string embeddings;
  std::optional<std::vector<std::string>> modalities;
  std::optional<double> percentile;
  std::optional<std::int64_t> knn;
  IndexFlags index;
  std::optional<std::int64_t> show;
  std::string out;
  ConfigFlags config;
};

CLI::App* add_outliers_command(CLI::App& app, OutliersArgs& args);
int run_outliers(const OutliersArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

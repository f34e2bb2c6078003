// astrom3 outliers: per-class centroid-distance outliers in each modality, plus a label-free
// k-NN distance score (docs/embeddings.md).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/global_flags.h"
#include "cli/index_flags.h"

namespace astrom3::cli {

struct OutliersArgs {
  std::string embeddings;
  std::vector<std::string> modalities;  // default: every modality in the file
  double percentile = 99.0;
  int knn = 5;
  IndexFlags index;
  int show = 15;
  std::string out;
};

CLI::App* add_outliers_command(CLI::App& app, OutliersArgs& args);
int run_outliers(const OutliersArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

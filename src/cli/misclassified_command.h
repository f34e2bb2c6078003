// astrom3 misclassified: objects whose catalogue label disagrees with the embedding space
// (nearest class centroid, k-NN vote) and, given one, with a fine-tuned classifier, ranked by the
// strength of the evidence (docs/embeddings.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/global_flags.h"
#include "cli/index_flags.h"

namespace astrom3::cli {

struct MisclassifiedArgs {
  std::string embeddings;
  std::string modality = "all";
  std::string checkpoint;  // fine-tuned classifier whose predictions join the evidence
  std::string data;        // survey file for the classifier (default: the checkpoint's)
  int k = 10;
  IndexFlags index;
  int show = 15;
  std::string out;
};

CLI::App* add_misclassified_command(CLI::App& app, MisclassifiedArgs& args);
int run_misclassified(const MisclassifiedArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

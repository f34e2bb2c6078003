// astrom3 misclassified: objects whose catalogue label disagrees with the embedding space
// (nearest class centroid, k-NN vote) and, given one, with a fine-tuned classifier, ranked by the
// strength of the evidence (docs/embeddings.md).
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"
#include "cli/index_flags.h"
#include "cli/precision_flag.h"

namespace astrom3::cli {

// Settings flags are unset unless given; each writes one key of the `misclassified` section.
struct MisclassifiedArgs {
  std::string embeddings;
  std::optional<std::string> modality;
  std::string checkpoint;   // fine-tuned classifier whose predictions join the evidence
  std::string data;         // survey file for the classifier (default: the checkpoint's)
  PrecisionFlag precision;  // --precision: of the classifier's forward pass
  std::optional<std::int64_t> k;
  IndexFlags index;
  std::optional<std::int64_t> show;
  std::string out;
  ConfigFlags config;
};

CLI::App* add_misclassified_command(CLI::App& app, MisclassifiedArgs& args);
int run_misclassified(const MisclassifiedArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

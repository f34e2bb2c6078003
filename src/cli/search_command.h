// astrom3 search: cosine nearest neighbours (exact, or from an approximate index) in an
// embedding file, within one modality or across two, with an optional contrast modality
// (docs/embeddings.md).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/global_flags.h"
#include "cli/index_flags.h"

namespace astrom3::cli {

struct SearchArgs {
  std::string embeddings;
  std::vector<std::string> query;
  std::string queries;
  bool all = false;
  std::string modality = "fused";
  std::string against;  // default: modality
  std::string contrast;
  std::string candidates = "any";  // split the candidates come from
  int k = 10;
  IndexFlags index;
  std::string out;
};

CLI::App* add_search_command(CLI::App& app, SearchArgs& args);
int run_search(const SearchArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

// astrom3 search: cosine nearest neighbours (exact, or from an approximate index) in an
// embedding file, within one modality or across two, with an optional contrast modality
// (docs/embeddings.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"
#include "cli/global_flags.h"
#include "cli/index_flags.h"

namespace astrom3::cli {

// Settings flags are unset unless given; each writes one key of the `search` section.
struct SearchArgs {
  std::string embeddings;
  std::vector<std::string> query;
  std::string queries;
  bool all = false;
  std::optional<std::string> modality;
  std::optional<std::string> against;
  std::optional<std::string> contrast;
  std::optional<std::string> candidates;
  std::optional<std::int64_t> k;
  IndexFlags index;
  std::string out;
  ConfigFlags config;
};

CLI::App* add_search_command(CLI::App& app, SearchArgs& args);
int run_search(const SearchArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

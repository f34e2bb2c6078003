// The neighbour-search flags that search, outliers and misclassified share: exact all-pairs
// search, or the approximate inverted-file index for catalogues of 10^6 objects and more. Each
// writes one key of the `index` section.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/config_flags.h"

namespace astrom3::cli {

struct IndexFlags {
  std::optional<std::string> kind;     // index.kind: exact | ivf
  std::optional<std::int64_t> lists;   // index.lists
  std::optional<std::int64_t> probes;  // index.probes
  std::optional<std::uint64_t> seed;   // index.seed
};

void add_index_flags(CLI::App* cmd, IndexFlags& flags);
void add_typed(TypedFlags& typed, const IndexFlags& flags);

}  // namespace astrom3::cli

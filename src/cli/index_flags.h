// The neighbour-search flags that search, outliers and misclassified share: exact all-pairs
// search, or the approximate inverted-file index for catalogues of 10^6 objects and more.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "astrom3/eval/neighbour_search.h"

namespace astrom3::cli {

struct IndexFlags {
  std::string index = "exact";  // exact | ivf
  std::int64_t lists = 0;       // ivf cells; 0 = sqrt(objects)
  std::int64_t probes = 16;     // ivf cells searched per query
  std::uint64_t seed = 0;       // of the ivf k-means
};

void add_index_flags(CLI::App* cmd, IndexFlags& flags);
eval::SearchOptions search_options(const IndexFlags& flags);

}  // namespace astrom3::cli

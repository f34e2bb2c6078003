#include "astrom3/eval/neighbour_search.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/error.h"

namespace astrom3::eval {

IndexKind parse_index_kind(const std::string& name) {
  if (const auto kind = parse_enum(name, index_kind_names())) return *kind;
  throw ConfigError("unknown index \"" + name + "\" (expected " + names_list(index_kind_names()) +
                    ")");
}

Neighbours find_neighbours(const torch::Tensor& queries, const torch::Tensor& candidates,
                           const torch::Tensor& candidate_mask, const torch::Tensor& query_rows,
                           std::int64_t k, const SearchOptions& options) {
  if (options.index == IndexKind::kExact) {
    NeighbourOptions exact;
    exact.k = k;
    return top_k_cosine(queries, candidates, candidate_mask, query_rows, exact);
  }
  const IvfIndex index(candidates, candidate_mask, options.ivf);
  spdlog::info("[search] ivf index: {} cells, {} probed per query", index.lists(), index.probes());
  return index.search(queries, query_rows, k);
}

}  // namespace astrom3::eval

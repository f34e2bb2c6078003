// Exact or approximate (inverted-file) cosine neighbours behind one call, so that every
// embedding-space command (search, outliers, misclassified) offers the same `--index` choice.
#pragma once

#include <cstdint>
#include <string>

#include <torch/types.h>

#include "astrom3/common/enum_names.h"
#include "astrom3/eval/ivf_index.h"
#include "astrom3/eval/similarity_search.h"

namespace astrom3::eval {

enum class IndexKind { kExact, kIvf };

inline const EnumNames<IndexKind>& index_kind_names() {
  static const EnumNames<IndexKind> names{{"exact", IndexKind::kExact}, {"ivf", IndexKind::kIvf}};
  return names;
}

/// By index_kind_names(); ConfigError otherwise.
IndexKind parse_index_kind(const std::string& name);

struct SearchOptions {
  IndexKind index = IndexKind::kExact;
  IvfOptions ivf;  // used when index is kIvf
};

/// The k nearest candidates of each query, with top_k_cosine's contract (arguments and result);
/// with kIvf an index is built over the candidates first and neighbours outside the probed
/// cells may be missed.
Neighbours find_neighbours(const torch::Tensor& queries, const torch::Tensor& candidates,
                           const torch::Tensor& candidate_mask, const torch::Tensor& query_rows,
                           std::int64_t k, const SearchOptions& options);

}  // namespace astrom3::eval

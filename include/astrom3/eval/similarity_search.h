// Exact cosine nearest neighbours in an embedding space (arXiv 2411.08842 §5: look-alike search
// within one modality and across two). Queries are processed in blocks against candidate blocks,
// and each block's top k is merged into a running top k, so Q queries against N candidates need
// O(query_block x candidate_block + Q x k) memory, never Q x N.
#pragma once

#include <cstdint>
#include <utility>

#include <torch/types.h>

namespace astrom3::eval {

struct NeighbourOptions {
  std::int64_t k = 10;
  std::int64_t query_block = 1024;
  std::int64_t candidate_block = 65536;
};

struct Neighbours {
  /// [Q, k] candidate rows, most similar first; ties go to the lower row, so the result does
  /// not depend on the block sizes. -1 where a query has fewer than k valid candidates.
  torch::Tensor index;
  torch::Tensor similarity;  // [Q, k] float32 cosine similarity; -inf where index is -1
};

/// queries [Q, E] and candidates [N, E] (rows of any norm; normalised here), candidate_mask [N]
/// bool (false: never returned, e.g. objects without that modality), query_rows [Q] int64: the
/// candidate row that is the query itself, excluded from its own neighbours (-1: none).
Neighbours top_k_cosine(const torch::Tensor& queries, const torch::Tensor& candidates,
                        const torch::Tensor& candidate_mask, const torch::Tensor& query_rows,
                        const NeighbourOptions& options);

/// Row-wise top k of `sim` [Q, C] (excluded entries -inf), widened past k to every entry equal
/// to the k-th value so that a tie rule can be applied after: returns (values, positions)
/// [Q, t], t >= min(k, C), each row descending.
std::pair<torch::Tensor, torch::Tensor> top_k_with_ties(const torch::Tensor& sim, std::int64_t k);

/// Orders each row of (sim, idx) [Q, C] by similarity descending, ties by index ascending, with
/// idx -1 (no candidate, sim -inf) last, and keeps the first min(k, C) columns.
void keep_best(torch::Tensor& sim, torch::Tensor& idx, std::int64_t k);

/// Cosine similarity of row pairs: out[q, j] = cos(space[rows_a[q]], space[rows_b[q, j]]) for
/// rows_a [Q], rows_b [Q, k]; NaN where either row is -1 or not in `mask` [N]. Used for the
/// contrast query: among look-alikes in one modality, the ones least alike in another.
torch::Tensor pair_similarity(const torch::Tensor& space, const torch::Tensor& mask,
                              const torch::Tensor& rows_a, const torch::Tensor& rows_b);

}  // namespace astrom3::eval

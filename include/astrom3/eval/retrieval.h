// Cross-modal retrieval over a whole split: for every object, rank its own counterpart among all
// candidates of the other modality by cosine similarity. Computed in row chunks, so N objects
// need O(chunk x N) memory, never N x N.
#pragma once

#include <cstdint>

#include <torch/types.h>

namespace astrom3::eval {

struct RetrievalMetrics {
  std::int64_t queries = 0;
  double top1 = 0, top5 = 0;  // fraction whose counterpart ranks first / in the first five
  double median_rank = 0;     // 1-based; ties count against the query (pessimistic)
};

/// queries, candidates: [N, E] L2-normalised, row i of both belonging to object i.
RetrievalMetrics retrieval(const torch::Tensor& queries, const torch::Tensor& candidates,
                           std::int64_t chunk = 1024);

}  // namespace astrom3::eval

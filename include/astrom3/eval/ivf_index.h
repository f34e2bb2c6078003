// Approximate cosine nearest neighbours for catalogues too large for exact all-pairs search
// (10^6 objects and more): an inverted-file index. Spherical k-means splits the candidates into
// `lists` cells around unit centres; a query is compared only with the members of the `probes`
// cells whose centres are most similar to it. With lists ~ sqrt(N) and probes << lists, a query
// costs O((lists + probes * N / lists) * E) instead of O(N * E). The answer is exact whenever
// every true neighbour lies in a probed cell; probes = lists makes the index exact.
// Everything is batched matrix products, so the index runs on the same devices as the model.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "astrom3/eval/similarity_search.h"

namespace astrom3::eval {

struct IvfOptions {
  std::int64_t lists = 0;            // cells; 0: round(sqrt(candidates)), at least 1
  std::int64_t probes = 16;          // cells searched per query (clamped to lists)
  std::int64_t train_per_list = 64;  // k-means fits on a sample of this many rows per cell
  int kmeans_iterations = 20;
  std::int64_t query_block = 16384;  // queries searched together
  std::uint64_t seed = 0;            // of the sample and the k-means seeding
};

class IvfIndex {
 public:
  /// candidates [N, E] (rows of any norm; normalised here), mask [N] bool: rows that may be
  /// returned. Throws ConfigError for bad options.
  IvfIndex(const torch::Tensor& candidates, const torch::Tensor& mask, const IvfOptions& options);

  /// Same contract as top_k_cosine (query_rows [Q]: the candidate row of each query, excluded
  /// from its own answer; -1 for none), except that neighbours outside the probed cells are
  /// missed. Deterministic: the same index and queries give the same answer.
  Neighbours search(const torch::Tensor& queries, const torch::Tensor& query_rows,
                    std::int64_t k) const;

  std::int64_t lists() const { return static_cast<std::int64_t>(offsets_.size()) - 1; }
  std::int64_t probes() const { return probes_; }
  /// [lists] members of each cell.
  std::vector<std::int64_t> list_sizes() const;

 private:
  IvfOptions options_;
  std::int64_t probes_ = 0;
  torch::Tensor centres_;              // [L, E] float32 unit rows
  torch::Tensor vectors_;              // [M, E] float32 unit candidate rows, grouped by cell
  torch::Tensor rows_;                 // [M] int64: candidate row of each vector
  std::vector<std::int64_t> offsets_;  // [L + 1]: cell l is vectors_[offsets_[l], offsets_[l+1])
};

}  // namespace astrom3::eval

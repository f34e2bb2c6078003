// Maps and clusters of an embedding space (paper.md §7): a 2-D principal-component projection,
// and k-means on the unit sphere (spherical k-means) to split one class into sub-populations,
// as the paper did to separate C-type from M-type Miras.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace astrom3::eval {

/// [N, E] -> [N, 2]: the rows projected on the first two principal components of the centred
/// data (eigenvectors of the covariance, in double precision). Each component's sign is fixed
/// so that its largest-magnitude loading is positive, which makes the map deterministic.
torch::Tensor pca_2d(const torch::Tensor& x);

struct Clustering {
  std::vector<std::int64_t> assignment;  // [N] in [0, k)
  torch::Tensor centres;                 // [k, E] unit vectors
  std::int64_t iterations = 0;
};

/// Spherical k-means: rows normalised, cosine similarity, centres re-normalised means.
/// k-means++ seeding from `seed` (astrom3's portable generator), best of `restarts` runs by
/// total similarity; stops when no assignment changes or after `max_iterations`.
Clustering spherical_kmeans(const torch::Tensor& x, std::int64_t k, std::uint64_t seed,
                            int restarts = 5, int max_iterations = 100);

}  // namespace astrom3::eval

// Maps and clusters of an embedding space (arXiv 2411.08842 §5; docs/embeddings.md): a 2-D
// principal-component projection, and two ways to split one class into sub-populations, as the
// paper did to separate C-type from M-type Miras: k-means on the unit sphere (spherical k-means),
// and spectral clustering of the k-nearest-neighbour graph. The paper saw its sub-clusters in UMAP
// maps, which are built from that same neighbour graph; a sub-population that differs along one
// direction while the class spreads further along another (temperature, brightness) is connected in
// the graph but not compact around a centroid, so spectral clustering finds it where k-means cuts
// across it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "astrom3/common/enum_names.h"
#include "astrom3/data/survey.h"
#include "astrom3/eval/embedding_file.h"

namespace astrom3 {
class Rng;
}

namespace astrom3::eval {

/// [N, E] -> [N, 2]: the rows projected on the first two principal components of the centred
/// data (eigenvectors of the covariance, in double precision). Each component's sign is fixed
/// so that its largest-magnitude loading is positive, which makes the map deterministic.
torch::Tensor pca_2d(const torch::Tensor& x);

/// How `map` splits a class: spectral clustering of the neighbour graph or spherical k-means.
enum class ClusterMethod { kSpectral, kKMeans };

inline const EnumNames<ClusterMethod>& cluster_method_names() {
  static const EnumNames<ClusterMethod> names{{"spectral", ClusterMethod::kSpectral},
                                              {"kmeans", ClusterMethod::kKMeans}};
  return names;
}

struct Clustering {
  std::vector<std::int64_t> assignment;  // [N] in [0, k)
  torch::Tensor centres;                 // [k, E] unit vectors
  std::int64_t iterations = 0;
};

/// k-means++ seeding on the unit sphere: k distinct rows of `unit_rows` [n, E] (n >= k), each
/// drawn with probability proportional to the squared cosine distance to the nearest row drawn
/// before (uniformly when all are at distance 0). O(n k E).
std::vector<std::int64_t> kmeans_plus_plus(const torch::Tensor& unit_rows, std::int64_t k,
                                           Rng& rng);

/// Spherical k-means: rows normalised, cosine similarity, centres re-normalised means.
/// k-means++ seeding from `seed` (astrom3's portable generator), best of `restarts` runs by
/// total similarity; stops when no assignment changes or after `max_iterations`.
Clustering spherical_kmeans(const torch::Tensor& x, std::int64_t k, std::uint64_t seed,
                            int restarts = 5, int max_iterations = 100);

struct SpectralOptions {
  std::int64_t neighbours = 10;     // k of the k-nearest-neighbour graph (cosine)
  std::int64_t max_objects = 5000;  // larger inputs: fit on a seeded sample of this size
  int restarts = 5;                 // of the k-means on the spectral embedding
};

/// Spectral clustering (Ng, Jordan and Weiss): the symmetrised k-nearest-neighbour graph of the
/// rows (cosine similarity, A = (C + C^T) / 2 with self-loops), its normalised affinity
/// D^-1/2 A D^-1/2, the eigenvectors of its k largest eigenvalues as row-normalised coordinates,
/// and spherical k-means on those. The dense eigendecomposition costs O(n^3), so above
/// `max_objects` rows the graph is built on a random sample (from `seed`) and every other row
/// joins the majority cluster of its `neighbours` nearest sample rows. Clusters are numbered in
/// order of their first row; `centres` are the re-normalised mean rows of x.
Clustering spectral_clustering(const torch::Tensor& x, std::int64_t k, std::uint64_t seed,
                               const SpectralOptions& options = {});

/// CSV of mapped rows of `table`: id, label, split, [cluster,] x, y, with `xy` [rows, 2] the
/// coordinates of table row rows[j] and `cluster` (when not null) its cluster, [rows].
void write_map_csv(std::ostream& out, const EmbeddingTable& table,
                   const std::vector<std::int64_t>& rows, const torch::Tensor& xy,
                   const std::vector<std::int64_t>* cluster = nullptr);

/// What the survey's catalogue says about clusters: the mean raw value of every normalization
/// column (photometry features then metadata, data::normalization_columns() order) per cluster,
/// over the cluster's members that have a finite value (metadata only where present).
struct ClusterCatalogueSummary {
  std::vector<std::string> columns;        // [38]
  std::vector<std::int64_t> sizes;         // [k] members, found in the survey or not
  std::vector<std::vector<double>> means;  // [k][38]; NaN where no member has a value
  /// (range of the cluster means / population std of all members' values, column), largest
  /// first; columns with fewer than 2 values or no spread are left out.
  std::vector<std::pair<double, std::size_t>> separation;
};

/// `ids` [M] and `assignment` [M] (in [0, k)) of the clustered objects; members missing from
/// `survey` count in `sizes` only.
ClusterCatalogueSummary summarise_clusters(const data::Survey& survey,
                                           const std::vector<std::string>& ids,
                                           const std::vector<std::int64_t>& assignment,
                                           std::int64_t k);

/// CSV: cluster, size, mean_<column> for every column (empty where NaN), one row per cluster.
void write_cluster_summary_csv(std::ostream& out, const ClusterCatalogueSummary& summary);

/// The `top` best-separating columns, with each cluster's mean, for the terminal.
void write_cluster_separation(std::ostream& out, const ClusterCatalogueSummary& summary,
                              std::size_t top = 5);

}  // namespace astrom3::eval

// Outliers in an embedding space (arXiv 2411.08842 §5; docs/embeddings.md): per class, the cosine
// distance of each object to its class centroid, flagged above a per-class percentile; and a
// label-free score, the mean cosine distance to the k nearest neighbours (a k-NN density estimate:
// isolated objects score high).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <torch/types.h>

#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/neighbour_search.h"

namespace astrom3::eval {

/// Linear-interpolation percentile of `values` (numpy's default): p in [0, 100]; NaN if empty.
double percentile(std::vector<double> values, double p);

/// Class centroids: the mean of the rows in `members` [N] bool per class, re-normalised to unit
/// length. embeddings [N, E], labels [N] (int64, -1 = none). Returns [C, E]; a class without
/// members gets a zero row and counts[c] = 0.
torch::Tensor class_centroids(const torch::Tensor& embeddings, const torch::Tensor& labels,
                              const torch::Tensor& members, std::int64_t classes,
                              std::vector<std::int64_t>* counts = nullptr);

struct CentroidDistances {
  /// [N] 1 - cos(object, centroid of its label); NaN for unlabelled objects, objects without
  /// the modality and classes without train members.
  std::vector<double> distance;
  /// [N] 1 = farthest of its class; 0 where distance is NaN.
  std::vector<std::int64_t> rank;
  /// [C] the per-class percentile of the distances (over the class's objects in the file).
  std::vector<double> threshold;
};

/// Calls fn(first_row, block) for consecutive blocks of rows of `embeddings` [N, E], each
/// L2-normalised in double precision: the per-row work of the centroid methods without a
/// double-precision copy of the whole space (8 GB at 10^6 x 1,024 bytes per row).
void for_each_unit_block(const torch::Tensor& embeddings,
                         const std::function<void(std::int64_t, const torch::Tensor&)>& fn);

/// Centroids from the train objects that have the modality (`present` and `train` [N] bool).
CentroidDistances centroid_distances(const torch::Tensor& embeddings, const torch::Tensor& labels,
                                     const torch::Tensor& present, const torch::Tensor& train,
                                     std::int64_t classes, double percentile_cut);

/// [N] mean cosine distance of each object to its k nearest other objects that have the
/// modality (exact or approximate neighbours, as `search` says); NaN for objects without it.
std::vector<double> knn_distance_score(const torch::Tensor& embeddings,
                                       const torch::Tensor& present, std::int64_t k,
                                       const SearchOptions& search = {});

/// Objects far from their class centroid in one or more modalities, and isolated in the fused
/// space (`astrom3 outliers`, docs/embeddings.md).
struct OutlierReport {
  std::vector<std::string> modalities;       // the spaces tested, one entry of `distances` each
  std::vector<CentroidDistances> distances;  // [modalities]
  double percentile = 0;                     // the per-class (and k-NN) cut, in [0, 100]
  std::int64_t knn_k = 0;
  std::vector<double> knn;     // [N] fused-space k-NN distance score (NaN without an embedding)
  double knn_cut = 0;          // its `percentile` over the finite scores
  std::vector<int> flagged;    // [N] modalities where the object is above its class threshold
  std::vector<double> excess;  // [N] largest distance / threshold over the modalities
  /// Labelled rows: most flagged modalities first, then largest excess (stable).
  std::vector<std::size_t> ranking;

  bool knn_outlier(std::size_t row) const;
};

/// Tests `modalities` of `table` (each must have been read, plus "fused" for the k-NN score):
/// centroids from the train objects, per-class thresholds at `percentile`.
OutlierReport find_outliers(const EmbeddingTable& table, const std::vector<std::string>& modalities,
                            double percentile, std::int64_t knn_k,
                            const SearchOptions& search = {});

/// CSV, one row per ranked object: id, label, split, then per modality <m>_distance, <m>_rank,
/// <m>_threshold, <m>_outlier (empty without the modality), then outlier_modalities,
/// knn_distance, knn_outlier.
void write_outliers_csv(std::ostream& out, const EmbeddingTable& table,
                        const OutlierReport& report);

/// The terminal summary: counts, then the first `show` ranked rows.
void write_outliers_summary(std::ostream& out, const EmbeddingTable& table,
                            const OutlierReport& report, std::size_t show);

}  // namespace astrom3::eval

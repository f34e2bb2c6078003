// Evidence that a catalogue label is wrong, from an embedding space (paper.md §7,
// misclassification finding): the nearest class centroid and the vote of the k nearest
// labelled train objects, each compared with the object's own label.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "astrom3/eval/neighbour_search.h"

namespace astrom3::eval {

struct LabelEvidence {
  /// [N] class of the most similar centroid; -1 for unlabelled objects or without the modality.
  std::vector<std::int64_t> centroid_prediction;
  /// [N] cos(best other class centroid) - cos(own class centroid): > 0 means the object sits
  /// closer to another class. Train objects are left out of their own class's centroid.
  std::vector<double> centroid_margin;
  /// [N] majority class of the k most similar train objects (the object itself excluded; ties
  /// go to the class with the higher total similarity), its share of the k votes, and the share
  /// voting for the object's own label.
  std::vector<std::int64_t> knn_prediction;
  std::vector<double> knn_share;
  std::vector<double> knn_own_share;
};

/// embeddings [N, E]; labels [N] int64 (-1 = none); present, train [N] bool. Centroids and
/// neighbours come from labelled train objects that have the modality; `search` picks exact or
/// approximate neighbours.
LabelEvidence label_evidence(const torch::Tensor& embeddings, const torch::Tensor& labels,
                             const torch::Tensor& present, const torch::Tensor& train,
                             std::int64_t classes, std::int64_t k,
                             const SearchOptions& search = {});

}  // namespace astrom3::eval

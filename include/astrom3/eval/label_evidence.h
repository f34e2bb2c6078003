// Evidence that a catalogue label is wrong, from an embedding space (arXiv 2411.08842 §5,
// misclassification finding): the nearest class centroid and the vote of the k nearest
// labelled train objects, each compared with the object's own label.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <torch/types.h>

#include "astrom3/eval/embedding_file.h"
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

/// A fine-tuned classifier's opinion of each row of an embedding table.
struct ClassifierOpinion {
  std::vector<std::int64_t> prediction;   // [N] argmax class; -1 where it has no prediction
  std::vector<double> probability;        // [N] probability of the prediction
  std::vector<double> label_probability;  // [N] probability of the catalogue label; 0 unlabelled

  /// No prediction for any of `rows` rows.
  explicit ClassifierOpinion(std::size_t rows = 0);

  /// Joins predictions to `table` by object id: `ids` [M], `probabilities` [M, C] (any float
  /// type), `usable` [M] bool. Ids absent from the table and unusable rows are skipped; returns
  /// how many rows were joined.
  std::size_t join(const EmbeddingTable& table, const std::vector<std::string>& ids,
                   const torch::Tensor& probabilities, const torch::Tensor& usable);
};

/// Catalogue labels ranked by how strongly the evidence contradicts them (`astrom3
/// misclassified`, docs/embeddings.md).
struct SuspiciousLabels {
  std::vector<std::string> spaces;      // one entry of `evidence` per space
  std::vector<LabelEvidence> evidence;  // [spaces]
  std::optional<ClassifierOpinion> classifier;
  /// [N] mean over the opinions the object has of: per space, the k-NN share voting against
  /// the label plus the centroid margin; for the classifier, 1 - its probability of the label.
  std::vector<double> score;
  /// [N] methods disagreeing with the label: per space the centroid and the k-NN vote, plus
  /// the classifier.
  std::vector<int> disagreeing;
  /// Labelled rows that have at least one opinion, highest score first (stable: ties keep row
  /// order).
  std::vector<std::size_t> ranking;

  /// 2 per space, plus 1 with a classifier.
  std::size_t methods() const;
  /// Ranked rows that at least one method disagrees with.
  std::size_t disagreed() const;
};

/// Combines per-space evidence (same length as `spaces`) and an optional classifier opinion
/// into scores and a ranking. A wrong label shows in every modality and an ambiguous object
/// usually in one, hence the mean over the spaces where the object has an embedding.
SuspiciousLabels rank_suspicious_labels(const std::vector<std::int32_t>& labels,
                                        std::vector<std::string> spaces,
                                        std::vector<LabelEvidence> evidence,
                                        std::optional<ClassifierOpinion> classifier);

/// CSV, one row per ranked object: rank, id, label, split, score, methods_disagreeing, then per
/// space <m>_centroid_prediction, <m>_centroid_margin, <m>_knn_prediction, <m>_knn_share,
/// <m>_knn_label_share, then (with a classifier) classifier_prediction,
/// classifier_probability, classifier_label_probability; empty fields where an opinion is
/// missing.
void write_suspicious_labels_csv(std::ostream& out, const EmbeddingTable& table,
                                 const SuspiciousLabels& report);

/// The terminal summary: counts, then the first `show` ranked rows.
void write_suspicious_labels_summary(std::ostream& out, const EmbeddingTable& table,
                                     const SuspiciousLabels& report, std::size_t show);

}  // namespace astrom3::eval

// What `astrom3 evaluate` measures, from predictions and embeddings already computed
// (docs/cli.md, "evaluate"): a classifier's report on one split with its probability quality
// and unknown-class detection, or a CLIP model's cross-modal retrieval and frozen-embedding
// probes. Each result has a JSON form (metrics.json) and the text evaluate prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "astrom3/eval/calibration.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/classification_metrics.h"
#include "astrom3/eval/embeddings.h"
#include "astrom3/eval/open_set.h"
#include "astrom3/eval/retrieval.h"
#include "astrom3/model/astrom3_model.h"

namespace astrom3::eval {

/// A classifier scored on the labelled objects it can read.
struct ClassifierEvaluation {
  ClassificationReport report;
  std::int64_t not_scored = 0;  // labelled objects without any modality the classifier reads
  double temperature = 1.0;     // the checkpoint's calibrated temperature, 1 without one
  bool calibrated = false;
  CalibrationQuality raw;     // probabilities at T = 1
  CalibrationQuality scaled;  // at `temperature` (the predicted classes are the same)
  torch::Tensor logits;       // [N, C] of the scored objects, in prediction order
  // The scored objects in prediction order: id, catalogue label and predicted class (indices
  // into the class names), for statistics over objects (bootstrap intervals, paired tests).
  std::vector<std::string> ids;
  std::vector<std::int64_t> truth, predicted;
};

/// Scores `p` (predict_classes on one split) against its labels.
ClassifierEvaluation evaluate_classifier(const ClassPredictions& p,
                                         const std::vector<std::string>& class_names,
                                         const std::optional<Calibration>& calibration);
/// The scored objects as CSV: header "id,label,predicted,correct", one row per object with
/// class names and correct = 1 or 0.
std::string scored_objects_csv(const ClassifierEvaluation& evaluation);
/// The report's JSON with `not_scored` and `calibration` {temperature, calibrated, before, after}.
nlohmann::json to_json(const ClassifierEvaluation& evaluation);
/// The report table, then a line on unscored objects (naming the removal of a modality when
/// `after_removal`) and one on probability quality when anything was scored.
std::string format_evaluation(const ClassifierEvaluation& evaluation, bool after_removal);

/// Unknown-class detection: a split's known-class objects against a split set's unseen-class
/// objects, under every score (the detector's at its threshold, the others at their 95 %
/// known quantile; compare_unknown_scores).
struct OpenSetEvaluation {
  UnknownScore score = UnknownScore::kMahalanobis;  // the detector's
  double threshold = 0;
  std::int64_t known = 0;       // known-class objects compared
  std::int64_t unseen = 0;      // unseen-class objects the classifier could read
  std::int64_t not_scored = 0;  // unseen-class objects it could not (no modality it reads)
  std::vector<std::pair<UnknownScore, OpenSetQuality>> scores;
};

/// `known_logits` [N, C] (ClassifierEvaluation::logits); `unseen` predict_classes on the
/// unseen-class objects.
OpenSetEvaluation evaluate_open_set(const OpenSetDetector& detector,
                                    const torch::Tensor& known_logits,
                                    const ClassPredictions& unseen);
/// {score, threshold, unseen_not_scored, scores: {name: quality}}.
nlohmann::json to_json(const OpenSetEvaluation& evaluation);
std::string format_evaluation(const OpenSetEvaluation& evaluation);

/// A CLIP model judged by its embeddings of one split.
struct ClipEvaluation {
  std::int64_t objects = 0;
  /// Both directions of every modality pair ("p->s", "s->p", ...), over the objects with both.
  std::vector<std::pair<std::string, RetrievalMetrics>> retrieval;
  /// nearest_centroid, knn_<k>, logistic_regression: fitted on the train split's labelled
  /// fused embeddings, scored on the split's labelled ones.
  std::vector<std::pair<std::string, ClassificationReport>> probes;
};

/// `query`: the split's embeddings; `train`: the train split's (the same when the split is
/// train); `pairs`: the model's modality pairs; `k`: neighbours of the k-NN probe.
ClipEvaluation evaluate_clip(const EmbeddingBatch& query, const EmbeddingBatch& train,
                             const std::vector<model::ModalityPair>& pairs,
                             const std::vector<std::string>& class_names, std::int64_t k);
/// {objects, retrieval: {key: {queries, top1, top5, median_rank}},
///  frozen_embedding_classification: {probe: report}}.
nlohmann::json to_json(const ClipEvaluation& evaluation);
std::string format_evaluation(const ClipEvaluation& evaluation);

}  // namespace astrom3::eval

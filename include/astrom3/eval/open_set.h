// Unknown-class (open-set) detection for a fine-tuned classifier (docs/predictions.md): a score
// per object from its logits, higher for objects less like the classes the classifier knows,
// and a threshold that keeps a chosen share (95 %) of known-class validation objects.
//
// Scores, for logits z [C] and the checkpoint's temperature T:
//   mahalanobis  min_k (z - mu_k)^T S^-1 (z - mu_k): the squared Mahalanobis distance to the
//                nearest class mean of the training objects' logits, with one covariance S
//                shared by the classes (Lee et al. 2018, "A Simple Unified Framework for
//                Detecting Out-of-Distribution Samples", applied to the logit layer);
//   energy       -T logsumexp(z / T) (Liu et al. 2020, "Energy-based Out-of-distribution
//                Detection");
//   max_softmax  -max_k softmax(z / T)_k (Hendrycks & Gimpel 2017).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "astrom3/model/model_options.h"

namespace astrom3::eval {

/// The score is a classifier option (finetune.unknown_score), so the enum lives with them.
using model::UnknownScore;

inline constexpr UnknownScore kUnknownScores[] = {UnknownScore::kMahalanobis, UnknownScore::kEnergy,
                                                  UnknownScore::kMaxSoftmax};

/// "mahalanobis", "energy", "max_softmax" (model::unknown_score_names()).
const std::string& unknown_score_name(UnknownScore score);
/// The inverse; ConfigError naming the choices for anything else.
UnknownScore unknown_score_from_name(const std::string& name);

/// What finetune fits and stores in the checkpoint's manifest.
struct OpenSetDetector {
  UnknownScore score = UnknownScore::kMahalanobis;
  double temperature = 1.0;  // the checkpoint's calibrated temperature (energy, max_softmax)
  /// Mahalanobis: class means [C, C] of the training logits (rows of classes without training
  /// objects are NaN and never nearest) and the shared precision matrix [C, C]; float64.
  torch::Tensor means, precision;
  double threshold = 0;                // scores above it are flagged unknown
  double known_recall = 0.95;          // share of the validation objects at or below the threshold
  std::int64_t fit_objects = 0;        // training objects the means were fitted on
  std::int64_t threshold_objects = 0;  // validation objects the threshold was chosen on
};

inline constexpr double kDefaultKnownRecall = 0.95;

/// Scores [N] float64 on the CPU for logits [N, C] (any float type and device).
torch::Tensor unknown_scores(const OpenSetDetector& detector, const torch::Tensor& logits);

/// Fits `score` on training logits [N, C] with labels [N] in [0, C) (means and covariance, for
/// mahalanobis; the covariance is shrunk towards its mean variance by 1e-3 so that it inverts),
/// then sets the threshold at the `known_recall` quantile of the validation objects' scores.
/// Throws Error when either set is empty.
OpenSetDetector fit_open_set(UnknownScore score, double temperature,
                             const torch::Tensor& train_logits, const torch::Tensor& train_labels,
                             const torch::Tensor& val_logits,
                             double known_recall = kDefaultKnownRecall);

/// A threshold t with at least `recall` of `scores` <= t and no score within rounding of t:
/// halfway between the k-th and (k+1)-th smallest scores, k the fewest objects that reach the
/// recall (just above the k-th when they tie or k is all of them).
double threshold_at_recall(const torch::Tensor& scores, double recall);

/// How well scores separate known objects (negatives) from unseen-class objects (positives).
struct OpenSetQuality {
  std::int64_t known = 0, unseen = 0;
  /// Probability that an unseen object scores above a known one (ties count half); NaN when
  /// either set is empty.
  double auroc = 0;
  /// Share of unseen objects scoring at or below the 95 % quantile of the known objects'
  /// scores: those accepted as known when 95 % of the known ones are kept.
  double fpr_at_95 = 0;
  /// With a detector's own threshold: shares of known and unseen objects flagged unknown.
  double flagged_known = 0, flagged_unseen = 0;
};

/// `known` and `unseen` are [N] scores; `threshold` is the detector's.
OpenSetQuality open_set_quality(const torch::Tensor& known, const torch::Tensor& unseen,
                                double threshold);

/// Every score's quality on known (e.g. test) and unseen-class logits [N, C]. `detector`
/// supplies the temperature and the Mahalanobis fit; its own score is judged at its threshold,
/// the others at the 95 % quantile of their known objects' scores. In kUnknownScores order;
/// mahalanobis only when the detector has its means.
std::vector<std::pair<UnknownScore, OpenSetQuality>> compare_unknown_scores(
    const OpenSetDetector& detector, const torch::Tensor& known_logits,
    const torch::Tensor& unseen_logits);

nlohmann::json to_json(const OpenSetDetector& detector);
nlohmann::json to_json(const OpenSetQuality& quality);
/// Throws DataError naming `source` for a malformed record.
OpenSetDetector open_set_from_json(const nlohmann::json& doc, const std::string& source);

}  // namespace astrom3::eval

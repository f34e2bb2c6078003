#include "astrom3/eval/checkpoint_evaluation.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "astrom3/common/tensor_values.h"
#include "astrom3/eval/embedding_probes.h"
#include "astrom3/ingest/text_table.h"

namespace astrom3::eval {
using nlohmann::json;

namespace {

torch::Tensor l2_normalised(const torch::Tensor& x) {
  return x / x.norm(2, {1}, true).clamp_min(1e-12);
}

}  // namespace

ClassifierEvaluation evaluate_classifier(const ClassPredictions& p,
                                         const std::vector<std::string>& class_names,
                                         const std::optional<Calibration>& calibration) {
  ClassifierEvaluation e;
  auto& truth = e.truth;
  auto& predicted = e.predicted;
  e.logits = torch::empty({0, 1});
  torch::Tensor labels = torch::empty({0}, torch::kInt64);
  if (!p.ids.empty()) {
    const auto labelled = p.labels.ge(0);
    const auto keep = p.usable.logical_and(labelled).nonzero().squeeze(1);
    e.not_scored = labelled.sum().item<std::int64_t>() - keep.numel();
    labels = p.labels.index_select(0, keep).contiguous();
    e.logits = p.logits.index_select(0, keep);
    truth = tensor_values<std::int64_t>(labels);
    predicted = tensor_values<std::int64_t>(e.logits.argmax(1));
    for (auto row : tensor_values<std::int64_t>(keep)) e.ids.push_back(p.ids[row]);
  }
  e.report = classification_report(truth, predicted, class_names);
  e.calibrated = calibration.has_value();
  e.temperature = calibration ? calibration->temperature : 1.0;
  e.raw = calibration_quality(e.logits, labels, 1.0);
  e.scaled = calibration_quality(e.logits, labels, e.temperature);
  return e;
}

std::string scored_objects_csv(const ClassifierEvaluation& e) {
  const auto& names = e.report.class_names;
  std::string out = "id,label,predicted,correct\n";
  for (std::size_t i = 0; i < e.ids.size(); ++i) {
    out += fmt::format(
        "{},{},{},{}\n", ingest::csv_field(e.ids[i]), ingest::csv_field(names[e.truth[i]]),
        ingest::csv_field(names[e.predicted[i]]), e.truth[i] == e.predicted[i] ? 1 : 0);
  }
  return out;
}

json to_json(const ClassifierEvaluation& e) {
  auto out = to_json(e.report);
  out["not_scored"] = e.not_scored;
  out["calibration"] = {{"temperature", e.temperature},
                        {"calibrated", e.calibrated},
                        {"before", to_json(e.raw)},
                        {"after", to_json(e.scaled)}};
  return out;
}

std::string format_evaluation(const ClassifierEvaluation& e, bool after_removal) {
  std::string text = format_report(e.report);
  if (e.not_scored > 0) {
    text += fmt::format(
        "{} labelled objects not scored: they have none of the modalities the classifier "
        "reads{}\n",
        e.not_scored, after_removal ? " (after the removal)" : "");
  }
  if (e.logits.size(0) > 0) {
    text += fmt::format(
        "probabilities: NLL {:.4f}, ECE {:.4f} (15 bins) raw; NLL {:.4f}, ECE {:.4f} with "
        "temperature {:.3f}{}\n",
        e.raw.nll, e.raw.ece, e.scaled.nll, e.scaled.ece, e.temperature,
        e.calibrated ? " (fitted on val)" : " (checkpoint not calibrated)");
  }
  return text;
}

OpenSetEvaluation evaluate_open_set(const OpenSetDetector& detector,
                                    const torch::Tensor& known_logits,
                                    const ClassPredictions& unseen) {
  const auto logits = unseen.ids.empty()
                          ? torch::empty({0, known_logits.size(1)})
                          : unseen.logits.index_select(0, unseen.usable.nonzero().squeeze(1));
  OpenSetEvaluation e;
  e.score = detector.score;
  e.threshold = detector.threshold;
  e.known = known_logits.size(0);
  e.unseen = logits.size(0);
  e.not_scored = static_cast<std::int64_t>(unseen.ids.size()) - e.unseen;
  e.scores = compare_unknown_scores(detector, known_logits, logits);
  return e;
}

json to_json(const OpenSetEvaluation& e) {
  json out = {{"score", unknown_score_name(e.score)},
              {"threshold", e.threshold},
              {"unseen_not_scored", e.not_scored}};
  for (const auto& [score, quality] : e.scores) {
    out["scores"][unknown_score_name(score)] = to_json(quality);
  }
  return out;
}

std::string format_evaluation(const OpenSetEvaluation& e) {
  std::string text = fmt::format(
      "\nunknown classes: {} known objects of this split vs {} unseen-class objects{}; threshold "
      "{:.4g} ({})\n",
      e.known, e.unseen,
      e.not_scored > 0 ? fmt::format(" ({} more lack the classifier's modalities)", e.not_scored)
                       : std::string(),
      e.threshold, unknown_score_name(e.score));
  for (const auto& [score, q] : e.scores) {
    text += fmt::format(
        "  {:<12} AUROC {:.4f}  FPR@95 {:.4f}  flagged: known {:.4f}, unseen {:.4f}{}\n",
        unknown_score_name(score), q.auroc, q.fpr_at_95, q.flagged_known, q.flagged_unseen,
        score == e.score ? "  (the checkpoint's score and threshold)"
                         : "  (at its 95 % known quantile)");
  }
  return text;
}

ClipEvaluation evaluate_clip(const EmbeddingBatch& query, const EmbeddingBatch& train,
                             const std::vector<model::ModalityPair>& pairs,
                             const std::vector<std::string>& class_names, std::int64_t k) {
  ClipEvaluation e;
  e.objects = query.fused.size(0);
  for (const auto& pair : pairs) {
    const auto both = query.present.select(1, static_cast<std::int64_t>(pair.a))
                          .logical_and(query.present.select(1, static_cast<std::int64_t>(pair.b)))
                          .nonzero()
                          .squeeze(1);
    const auto a = query.modalities[pair.a].index_select(0, both);
    const auto b = query.modalities[pair.b].index_select(0, both);
    e.retrieval.emplace_back(std::string{pair.key[0]} + "->" + pair.key[1], retrieval(a, b));
    e.retrieval.emplace_back(std::string{pair.key[1]} + "->" + pair.key[0], retrieval(b, a));
  }
  const auto labelled = [](const EmbeddingBatch& batch) {
    return batch.labels.ge(0).nonzero().squeeze(1);
  };
  const auto tr = labelled(train), q = labelled(query);
  const auto x_train = train.fused.index_select(0, tr);
  const auto y_train = train.labels.index_select(0, tr);
  const auto x_query = query.fused.index_select(0, q);
  const auto truth = tensor_values<std::int64_t>(query.labels.index_select(0, q));
  const auto classes = static_cast<std::int64_t>(class_names.size());
  // The distance probes compare directions; the linear probe reads the raw fused embeddings.
  const auto unit_train = l2_normalised(x_train), unit_query = l2_normalised(x_query);
  const auto probe = [&](std::string name, const std::vector<std::int64_t>& predicted) {
    e.probes.emplace_back(std::move(name), classification_report(truth, predicted, class_names));
  };
  probe("nearest_centroid", nearest_centroid(unit_train, y_train, classes, unit_query));
  probe("knn_" + std::to_string(k),
        k_nearest_neighbours(unit_train, y_train, classes, unit_query, k));
  probe("logistic_regression", logistic_regression_probe(x_train, y_train, classes, x_query));
  return e;
}

json to_json(const ClipEvaluation& e) {
  json retrieval = json::object(), probes = json::object();
  for (const auto& [key, m] : e.retrieval) {
    retrieval[key] = {
        {"queries", m.queries}, {"top1", m.top1}, {"top5", m.top5}, {"median_rank", m.median_rank}};
  }
  for (const auto& [name, report] : e.probes) probes[name] = to_json(report);
  return {{"objects", e.objects},
          {"retrieval", retrieval},
          {"frozen_embedding_classification", probes}};
}

std::string format_evaluation(const ClipEvaluation& e) {
  std::string text;
  for (const auto& [key, m] : e.retrieval) {
    text +=
        fmt::format("retrieval {:<5} top-1 {:.4f}  top-5 {:.4f}  median rank {:g}  ({} objects)\n",
                    key, m.top1, m.top5, m.median_rank, m.queries);
  }
  for (const auto& [name, report] : e.probes) {
    text += fmt::format("{:<20} accuracy {:.4f}  balanced accuracy {:.4f}  macro-F1 {:.4f}\n", name,
                        report.accuracy, report.balanced_accuracy, report.macro_f1);
  }
  return text;
}

}  // namespace astrom3::eval

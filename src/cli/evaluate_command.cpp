#include "cli/evaluate_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <iostream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/batch_loader.h"
#include "astrom3/eval/calibration.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/classification_metrics.h"
#include "astrom3/eval/embedding_probes.h"
#include "astrom3/eval/embeddings.h"
#include "astrom3/eval/open_set.h"
#include "astrom3/eval/retrieval.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/model/classifier.h"
#include "astrom3/model/modality_encoder.h"
#include "cli/checkpoint_data.h"
#include "cli/exit_codes.h"
#include "cli/validators.h"

namespace astrom3::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Run directory of a checkpoint inside checkpoints/, else the checkpoint's parent.
fs::path default_out(const fs::path& checkpoint, const std::string& split) {
  const auto parent = checkpoint.parent_path();
  const auto base = parent.filename() == "checkpoints" ? parent.parent_path() : parent;
  return base / ("eval-" + checkpoint.filename().string() + "-" + split);
}

// The modalities of `--drop-modality`, validated against the checkpoint before anything is
// written: a fused classifier's own modalities, each once, in the order given.
std::vector<data::Modality> modalities_to_drop(const CheckpointData& c,
                                               const std::vector<std::string>& drop) {
  if (drop.empty()) return {};
  if (c.manifest.kind != "classifier") {
    throw ConfigError("--drop-modality applies to classifier checkpoints; " + c.dir.string() +
                      " is a " + c.manifest.kind + " checkpoint");
  }
  const auto& mode = c.config.finetune.mode;
  if (mode != "all") {
    throw ConfigError("--drop-modality needs a fused classifier (finetune.mode all); " +
                      c.dir.string() + " classifies " + mode + " only");
  }
  const auto mine = model::parse_modalities(c.model.modalities);
  std::vector<data::Modality> hidden;
  for (const auto& name : drop) {
    const auto m = model::modality_from_name(name);
    if (std::find(mine.begin(), mine.end(), m) == mine.end()) {
      throw ConfigError("--drop-modality " + name + ": " + c.dir.string() +
                        " does not read that modality");
    }
    if (std::find(hidden.begin(), hidden.end(), m) == hidden.end()) hidden.push_back(m);
  }
  return hidden;
}

// Scores the classifier on `split` with the modalities `hidden` treated as absent; writes the
// confusion matrix to `confusion` and prints the report (under `label`, e.g. "without spectra").
// Labelled objects left without any modality the classifier reads are not scored; their count is
// reported.
// `scored_logits`, when given, receives the logits [N, C] of the objects scored.
json score_classifier(model::ClassifierImpl& classifier, const CheckpointData& c,
                      const std::string& split, const std::vector<data::Modality>& hidden,
                      const fs::path& confusion, const std::string& label,
                      torch::Tensor* scored_logits = nullptr) {
  const auto p = eval::predict_classes(classifier, split_store(c.data, split), c.config.loader,
                                       resolve_device(c.config.runtime.device), hidden);
  std::vector<std::int64_t> truth, predicted;
  std::int64_t unscored = 0;
  torch::Tensor logits = torch::empty({0, 1}), labels = torch::empty({0}, torch::kInt64);
  if (!p.ids.empty()) {
    const auto labelled = p.labels.ge(0);
    const auto keep = p.usable.logical_and(labelled).nonzero().squeeze(1);
    unscored = labelled.sum().item<std::int64_t>() - keep.numel();
    labels = p.labels.index_select(0, keep).contiguous();
    logits = p.logits.index_select(0, keep);
    const auto pred = logits.argmax(1).contiguous();
    truth.assign(labels.data_ptr<std::int64_t>(), labels.data_ptr<std::int64_t>() + labels.numel());
    predicted.assign(pred.data_ptr<std::int64_t>(), pred.data_ptr<std::int64_t>() + pred.numel());
  }
  const auto report = eval::classification_report(truth, predicted, c.data.survey->class_names);
  if (!label.empty()) std::cout << "\n" << label << ":\n";
  std::cout << format_report(report);
  if (unscored > 0) {
    std::cout << fmt::format(
        "{} labelled objects not scored: they have none of the modalities "
        "the classifier reads{}\n",
        unscored, hidden.empty() ? "" : " (after the removal)");
  }
  if (truth.empty() && !p.ids.empty()) {
    spdlog::warn("[evaluate] no object of the {} split could be scored{}: the metrics are empty",
                 split, label.empty() ? "" : " " + label);
  }
  if (scored_logits) *scored_logits = logits;
  write_text_file_atomic(confusion, eval::confusion_csv(report));
  auto out = eval::to_json(report);
  out["not_scored"] = unscored;
  // Probability quality of the scored objects, raw (T = 1) and with the checkpoint's
  // temperature: the predicted classes, hence the metrics above, are the same for both.
  const double t = calibrated_temperature(c);
  const auto raw = eval::calibration_quality(logits, labels, 1.0);
  const auto scaled = eval::calibration_quality(logits, labels, t);
  if (logits.size(0) > 0) {
    std::cout << fmt::format(
        "probabilities: NLL {:.4f}, ECE {:.4f} (15 bins) raw; NLL {:.4f}, ECE {:.4f} with "
        "temperature {:.3f}{}\n",
        raw.nll, raw.ece, scaled.nll, scaled.ece, t,
        c.manifest.calibration ? " (fitted on val)" : " (checkpoint not calibrated)");
  }
  out["calibration"] = {{"temperature", t},
                        {"calibrated", c.manifest.calibration.has_value()},
                        {"before", eval::to_json(raw)},
                        {"after", eval::to_json(scaled)}};
  return out;
}

// Unknown-class detection: the split's scored objects (known classes) against the split set's
// unseen-class objects, for every score (eval/open_set.h). Null when the set has none.
json score_open_set(model::ClassifierImpl& classifier, const CheckpointData& c,
                    const torch::Tensor& known_logits) {
  const auto& set = c.data.survey->split_set(c.data.split_set);
  if (set.unseen.empty()) return nullptr;
  if (!c.manifest.open_set) {
    spdlog::warn(
        "[evaluate] split set {} has {} unseen-class objects, but {} has no unknown-class "
        "detector (fine-tuning did not finish, had too few val objects, or predates it)",
        c.data.split_set, set.unseen.size(), c.dir.string());
    return nullptr;
  }
  if (known_logits.size(0) == 0) {
    spdlog::warn(
        "[evaluate] no known-class object of this split was scored: no open-set report for its "
        "{} unseen-class objects",
        set.unseen.size());
    return nullptr;
  }
  const auto store = std::make_shared<const data::SampleStore>(
      c.data.survey, set.unseen, c.data.normalization, c.config.data,
      worker_threads(c.config.runtime.threads));
  const auto p = eval::predict_classes(classifier, store, c.config.loader,
                                       resolve_device(c.config.runtime.device));
  const auto unseen = p.ids.empty() ? torch::empty({0, known_logits.size(1)})
                                    : p.logits.index_select(0, p.usable.nonzero().squeeze(1));
  const auto& detector = *c.manifest.open_set;
  json out = {{"score", eval::unknown_score_name(detector.score)},
              {"threshold", detector.threshold},
              {"unseen_not_scored", static_cast<std::int64_t>(set.unseen.size()) - unseen.size(0)}};
  const auto not_scored = static_cast<std::int64_t>(set.unseen.size()) - unseen.size(0);
  std::cout << fmt::format(
      "\nunknown classes: {} known objects of this split vs {} unseen-class objects{}; threshold "
      "{:.4g} ({})\n",
      known_logits.size(0), unseen.size(0),
      not_scored > 0 ? fmt::format(" ({} more lack the classifier's modalities)", not_scored)
                     : std::string(),
      detector.threshold, eval::unknown_score_name(detector.score));
  for (const auto& [score, q] : eval::compare_unknown_scores(detector, known_logits, unseen)) {
    const bool own = score == detector.score;
    out["scores"][eval::unknown_score_name(score)] = eval::to_json(q);
    std::cout << fmt::format(
        "  {:<12} AUROC {:.4f}  FPR@95 {:.4f}  flagged: known {:.4f}, unseen {:.4f}{}\n",
        eval::unknown_score_name(score), q.auroc, q.fpr_at_95, q.flagged_known, q.flagged_unseen,
        own ? "  (the checkpoint's score and threshold)" : "  (at its 95 % known quantile)");
  }
  return out;
}

json evaluate_classifier(const CheckpointData& c, const std::string& split, const fs::path& out,
                         const std::vector<data::Modality>& hidden) {
  auto classifier = load_classifier(c, "evaluate");
  torch::Tensor known;
  json metrics = score_classifier(*classifier, c, split, {}, out / "confusion.csv", "", &known);
  if (auto open_set = score_open_set(*classifier, c, known); !open_set.is_null()) {
    metrics["open_set"] = open_set;
  }
  // The ablation: one evaluation per dropped modality, every other modality kept.
  json ablation = json::object();
  for (auto m : hidden) {
    const std::string name = model::modality_name(m);
    ablation[name] = score_classifier(*classifier, c, split, {m},
                                      out / ("confusion-no-" + name + ".csv"), "without " + name);
  }
  if (!hidden.empty()) metrics["drop_modality"] = ablation;
  return metrics;
}

json evaluate_clip(const CheckpointData& c, const std::string& split, std::int64_t k) {
  auto model = load_clip_model(c, "evaluate");
  const auto device = resolve_device(c.config.runtime.device);
  const auto query =
      eval::compute_embeddings(*model, split_store(c.data, split), c.config.loader, device);
  json out;
  out["objects"] = query.fused.size(0);
  // Retrieval in both directions of every pair, over the objects that have both modalities.
  json retrieval = json::object();
  for (const auto& pair : model->pairs()) {
    const auto both = query.present.select(1, static_cast<std::int64_t>(pair.a))
                          .logical_and(query.present.select(1, static_cast<std::int64_t>(pair.b)))
                          .nonzero()
                          .squeeze(1);
    const auto a = query.modalities[pair.a].index_select(0, both);
    const auto b = query.modalities[pair.b].index_select(0, both);
    const std::string key_ab = std::string{pair.key[0]} + "->" + pair.key[1];
    const std::string key_ba = std::string{pair.key[1]} + "->" + pair.key[0];
    for (const auto& [key, m] : {std::make_pair(key_ab, eval::retrieval(a, b)),
                                 std::make_pair(key_ba, eval::retrieval(b, a))}) {
      retrieval[key] = {{"queries", m.queries},
                        {"top1", m.top1},
                        {"top5", m.top5},
                        {"median_rank", m.median_rank}};
      std::cout << fmt::format(
          "retrieval {:<5} top-1 {:.4f}  top-5 {:.4f}  median rank {:g}  ({} objects)\n", key,
          m.top1, m.top5, m.median_rank, m.queries);
    }
  }
  out["retrieval"] = retrieval;
  // Classification from the frozen fused embeddings, probes fitted on the train split.
  const auto train = split == "train"
                         ? query
                         : eval::compute_embeddings(*model, c.data.train, c.config.loader, device);
  const auto labelled = [](const eval::EmbeddingBatch& e) {
    return e.labels.ge(0).nonzero().squeeze(1);
  };
  const auto tr = labelled(train), q = labelled(query);
  const auto x_train = train.fused.index_select(0, tr), y_train = train.labels.index_select(0, tr);
  const auto x_query = query.fused.index_select(0, q);
  const auto y_query = query.labels.index_select(0, q);
  const std::vector<std::int64_t> truth(y_query.data_ptr<std::int64_t>(),
                                        y_query.data_ptr<std::int64_t>() + y_query.numel());
  const auto& names = c.data.survey->class_names;
  const auto classes = static_cast<std::int64_t>(names.size());
  const auto normalised = x_train / x_train.norm(2, {1}, true).clamp_min(1e-12);
  const auto normalised_query = x_query / x_query.norm(2, {1}, true).clamp_min(1e-12);
  json probes;
  for (const auto& [name, predicted] :
       {std::make_pair(std::string("nearest_centroid"),
                       eval::nearest_centroid(normalised, y_train, classes, normalised_query)),
        std::make_pair(
            "knn_" + std::to_string(k),
            eval::k_nearest_neighbours(normalised, y_train, classes, normalised_query, k)),
        std::make_pair(std::string("logistic_regression"),
                       eval::logistic_regression_probe(x_train, y_train, classes, x_query))}) {
    const auto report = eval::classification_report(truth, predicted, names);
    probes[name] = eval::to_json(report);
    std::cout << fmt::format("{:<20} accuracy {:.4f}  balanced accuracy {:.4f}  macro-F1 {:.4f}\n",
                             name, report.accuracy, report.balanced_accuracy, report.macro_f1);
  }
  out["frozen_embedding_classification"] = probes;
  return out;
}

}  // namespace

CLI::App* add_evaluate_command(CLI::App& app, EvaluateArgs& args) {
  auto* cmd = app.add_subcommand("evaluate", "Metrics of a classifier or CLIP checkpoint");
  cmd->add_option("--checkpoint", args.checkpoint, "checkpoint or run directory")->required();
  cmd->add_option("--data", args.data, "survey file (default: the checkpoint's)");
  cmd->add_option("--split", args.split, "train, val or test")
      ->check(CLI::IsMember({"train", "val", "test"}));
  cmd->add_option("--out,-o", args.out,
                  "output directory (default: eval-<checkpoint>-<split> in the run directory)");
  cmd->add_option("--neighbours", args.neighbours, "k of the k-nearest-neighbour probe (CLIP)")
      ->check(positive());
  cmd->add_option("--drop-modality", args.drop_modality,
                  "fused classifiers: also evaluate with this modality removed from every object, "
                  "one row each (repeatable or comma-separated)")
      ->delimiter(',')
      ->check(CLI::IsMember({"photometry", "spectra", "metadata"}));
  return cmd;
}

int run_evaluate(const EvaluateArgs& args, const GlobalFlags& global) {
  const auto c = load_checkpoint_data(args.checkpoint, args.data, global);
  if (split_store(c.data, args.split)->size() == 0) {
    if (c.manifest.kind != "classifier") {
      throw DataError("the " + args.split + " split of split set " + c.data.split_set + " in " +
                      c.config.data.path + " has no objects: nothing to retrieve");
    }
    spdlog::warn(
        "[evaluate] the {} split of split set {} in {} has no objects: the metrics are "
        "empty",
        args.split, c.data.split_set, c.config.data.path);
  }
  const auto hidden = modalities_to_drop(c, args.drop_modality);
  const fs::path out = args.out.empty() ? default_out(c.dir, args.split) : fs::path(args.out);
  prepare_output_location(out / "metrics.json");
  json metrics = c.manifest.kind == "classifier" ? evaluate_classifier(c, args.split, out, hidden)
                                                 : evaluate_clip(c, args.split, args.neighbours);
  metrics["checkpoint"] = c.dir.string();
  metrics["kind"] = c.manifest.kind;
  metrics["data"] = c.config.data.path;
  metrics["split_set"] = c.data.split_set;
  metrics["split"] = args.split;
  metrics["normalization"] = c.data.normalization_source;
  write_text_file_atomic(out / "metrics.json", metrics.dump(2) + "\n");
  spdlog::info("[evaluate] wrote {}", (out / "metrics.json").string());
  return kExitSuccess;
}

}  // namespace astrom3::cli

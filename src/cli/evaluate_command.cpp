#include "cli/evaluate_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <iostream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/batch_loader.h"
#include "astrom3/eval/checkpoint_evaluation.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/classification_metrics.h"
#include "astrom3/eval/embeddings.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/model/classifier.h"
#include "astrom3/model/modality_encoder.h"
#include "cli/checkpoint_data.h"
#include "cli/exit_codes.h"
#include "cli/precision_flag.h"
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
  train::require_kind(c.manifest, train::CheckpointKind::kClassifier, c.dir, "--drop-modality");
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

// Scores the classifier on `split` with the modalities `hidden` treated as absent, writes the
// confusion matrix to `confusion` and the scored objects to `objects`, and prints the report
// (under `label`, e.g. "without spectra").
eval::ClassifierEvaluation score_split(model::ClassifierImpl& classifier, const CheckpointData& c,
                                       const std::string& split,
                                       const std::vector<data::Modality>& hidden,
                                       const fs::path& confusion, const fs::path& objects,
                                       const std::string& label) {
  const auto p = eval::predict_classes(classifier, split_store(c.data, split), c.config.loader,
                                       resolve_device(c.config.runtime.device), hidden);
  auto e = eval::evaluate_classifier(p, c.data.survey->class_names, c.manifest.calibration);
  if (!label.empty()) std::cout << "\n" << label << ":\n";
  std::cout << eval::format_evaluation(e, !hidden.empty());
  if (e.report.objects == 0 && !p.ids.empty()) {
    spdlog::warn("[evaluate] no object of the {} split could be scored{}: the metrics are empty",
                 split, label.empty() ? "" : " " + label);
  }
  write_text_file_atomic(confusion, eval::confusion_csv(e.report));
  write_text_file_atomic(objects, eval::scored_objects_csv(e));
  return e;
}

// Unknown-class detection against the split set's unseen-class objects; null when the set has
// none or the checkpoint no detector.
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
  const auto unseen = eval::predict_classes(classifier, store, c.config.loader,
                                            resolve_device(c.config.runtime.device));
  const auto e = eval::evaluate_open_set(*c.manifest.open_set, known_logits, unseen);
  std::cout << eval::format_evaluation(e);
  return eval::to_json(e);
}

json evaluate_classifier(const CheckpointData& c, const std::string& split, const fs::path& out,
                         const std::vector<data::Modality>& hidden, Precision precision) {
  auto classifier = load_classifier(c, "evaluate", precision);
  const auto all =
      score_split(*classifier, c, split, {}, out / "confusion.csv", out / "objects.csv", "");
  json metrics = eval::to_json(all);
  if (auto open_set = score_open_set(*classifier, c, all.logits); !open_set.is_null()) {
    metrics["open_set"] = open_set;
  }
  // The ablation: one evaluation per dropped modality, every other modality kept.
  json ablation = json::object();
  for (auto m : hidden) {
    const std::string name = model::modality_name(m);
    ablation[name] = eval::to_json(
        score_split(*classifier, c, split, {m}, out / ("confusion-no-" + name + ".csv"),
                    out / ("objects-no-" + name + ".csv"), "without " + name));
  }
  if (!hidden.empty()) metrics["drop_modality"] = ablation;
  return metrics;
}

json evaluate_clip(const CheckpointData& c, const std::string& split, std::int64_t k,
                   Precision precision) {
  auto model = load_clip_model(c, "evaluate", precision);
  const auto device = resolve_device(c.config.runtime.device);
  const auto query =
      eval::compute_embeddings(*model, split_store(c.data, split), c.config.loader, device);
  const auto train = split == "train"
                         ? query
                         : eval::compute_embeddings(*model, c.data.train, c.config.loader, device);
  const auto e = eval::evaluate_clip(query, train, model->pairs(), c.data.survey->class_names, k);
  std::cout << eval::format_evaluation(e);
  return eval::to_json(e);
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
  add_precision_flag(*cmd, args.precision);
  add_config_flags(*cmd, args.config);
  return cmd;
}

int run_evaluate(const EvaluateArgs& args, const GlobalFlags& global) {
  const CheckpointSettings settings{"evaluate", args.data, args.config, {}};
  if (dump_checkpoint_config(args.checkpoint, global, settings)) {
    return kExitSuccess;
  }
  const auto c = load_checkpoint_data(args.checkpoint, global, settings);
  if (split_store(c.data, args.split)->size() == 0) {
    if (c.manifest.kind != train::CheckpointKind::kClassifier) {
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
  json metrics = c.manifest.kind == train::CheckpointKind::kClassifier
                     ? evaluate_classifier(c, args.split, out, hidden, args.precision.value)
                     : evaluate_clip(c, args.split, args.neighbours, args.precision.value);
  metrics["checkpoint"] = c.dir.string();
  metrics["kind"] = train::kind_name(c.manifest.kind);
  metrics["data"] = c.config.data.path;
  metrics["split_set"] = c.data.split_set;
  metrics["split"] = args.split;
  metrics["precision"] = name_of(args.precision.value, precision_names());
  metrics["normalization"] = c.data.normalization_source;
  write_text_file_atomic(out / "metrics.json", metrics.dump(2) + "\n");
  spdlog::info("[evaluate] wrote {}", (out / "metrics.json").string());
  return kExitSuccess;
}

}  // namespace astrom3::cli

#include "cli/finetune_command.h"

#include <spdlog/spdlog.h>

#include <set>

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/split_data.h"
#include "astrom3/eval/calibration.h"
#include "astrom3/eval/class_predictions.h"
#include "astrom3/eval/open_set.h"
#include "astrom3/io/safetensors.h"
#include "astrom3/model/classifier.h"
#include "astrom3/train/classifier_objective.h"
#include "astrom3/train/stop_signal.h"
#include "cli/exit_codes.h"
#include "cli/training_run.h"

namespace astrom3::cli {
namespace fs = std::filesystem;

namespace {

// The seed part of a split-set name ("sub10_66" -> "66"); empty if the name has none.
std::string split_seed(const std::string& split_set) {
  const auto underscore = split_set.rfind('_');
  return underscore == std::string::npos ? "" : split_set.substr(underscore + 1);
}

// Pre-training on one seed's train split and evaluating on another seed's test split puts test
// objects into (self-supervised) training: refuse unless the user overrides.
void check_leakage(const train::CheckpointManifest& clip, const fs::path& dir,
                   const std::string& split_set, bool allow) {
  if (clip.split_set.empty()) {
    spdlog::warn(
        "[finetune] {} records no split set (imported weights?): cannot check that its "
        "pre-training data excludes the test objects of {}",
        dir.string(), split_set);
    return;
  }
  if (split_seed(clip.split_set) == split_seed(split_set)) return;
  const std::string message =
      dir.string() + " was pre-trained on split set " + clip.split_set + ", but fine-tuning uses " +
      split_set +
      ": splits of different seeds overlap, so objects of this run's test set were in the "
      "pre-training set (data leakage). Pre-train on the same seed's full split, or pass "
      "--allow-split-mismatch if you know the overlap does not matter.";
  if (!allow) throw ConfigError(message);
  spdlog::warn("[finetune] {}", message);
}

// The statistics fine-tuning scales its inputs with. A resumed run keeps its own; a run from a
// CLIP checkpoint uses the checkpoint's (finetune.normalization = init), so that the encoders
// see inputs scaled as in pre-training, not by a label subset's train split
// (docs/preprocessing.md); `split` or a run from scratch uses the split set's.
data::SplitLoadOptions normalization_for(const config::RunConfig& config, const RunPlan& plan,
                                         const train::CheckpointManifest& init,
                                         const fs::path& init_dir) {
  data::SplitLoadOptions load;
  const train::CheckpointManifest* source = nullptr;
  std::string name;
  if (plan.resumed) {
    source = &*plan.resumed;
    name = plan.resumed->normalization_source;
    const auto started = plan.resumed->config.value("finetune", nlohmann::json::object())
                             .value("normalization", config.finetune.normalization);
    if (started != config.finetune.normalization) {
      spdlog::warn(
          "[finetune] finetune.normalization = {} does not apply to a resumed run: it keeps the "
          "statistics it started with ({})",
          config.finetune.normalization, name.empty() ? "its checkpoint's" : name);
    }
  } else if (!init_dir.empty() && config.finetune.normalization == "init") {
    source = &init;
    name = "checkpoint " + init_dir.string();
    if (init.normalization.mean.size() != data::kNumNormCols) {
      spdlog::warn(
          "[finetune] {} records no normalization statistics (imported weights?): using those "
          "of split set {}",
          init_dir.string(), config.data.split_set);
      return load;
    }
  }
  if (source && source->normalization.mean.size() == data::kNumNormCols) {
    load.normalization = source->normalization;
    load.normalization_source = name.empty() ? "checkpoint " + plan.checkpoint.string() : name;
  }
  return load;
}

// Fewer labelled val objects than this leave a checkpoint uncalibrated: with a handful of
// objects the NLL-optimal temperature runs to the ends of its range (T = 0.05 on one object).
constexpr std::int64_t kMinCalibrationObjects = 20;

// The unknown-class detector of the loaded weights: fitted on the train split's labelled
// objects, its threshold at 95 % of the val objects (`val_logits`, those calibrated on).
std::optional<eval::OpenSetDetector> fit_open_set(const RunPlan& plan, const data::SplitData& data,
                                                  model::ClassifierImpl& classifier,
                                                  const c10::Device& device, double temperature,
                                                  const torch::Tensor& val_logits) {
  const auto p = eval::predict_classes(classifier, data.train, plan.config.loader, device);
  const auto keep = p.ids.empty() ? torch::empty({0}, torch::kInt64)
                                  : p.usable.logical_and(p.labels.ge(0)).nonzero().squeeze(1);
  if (keep.numel() == 0) {
    spdlog::warn(
        "[finetune] no labelled train object the classifier can read: no unknown-class "
        "detector");
    return std::nullopt;
  }
  const auto score = eval::unknown_score_from_name(plan.config.finetune.unknown_score);
  auto d = eval::fit_open_set(score, temperature, p.logits.index_select(0, keep),
                              p.labels.index_select(0, keep), val_logits);
  spdlog::info(
      "[finetune] unknown-class score {} fitted on {} train objects; threshold {:.4g} "
      "keeps {:.0f} % of {} val objects",
      eval::unknown_score_name(score), d.fit_objects, d.threshold, 100.0 * d.known_recall,
      d.threshold_objects);
  return d;
}

// Fits the temperature of the checkpoints `best` and `latest` point to on the labelled
// validation objects the classifier can read, and records it in their manifests
// (eval/calibration.h), with the unknown-class detector (eval/open_set.h). Without such objects
// the checkpoints stay uncalibrated (T = 1) and without a detector.
void calibrate_run(const RunPlan& plan, const data::SplitData& data,
                   model::ClassifierImpl& classifier, const c10::Device& device) {
  std::set<fs::path> done;
  for (const char* link : {"best", "latest"}) {
    if (!fs::exists(plan.run_dir / link / "manifest.json")) continue;
    const auto dir = fs::canonical(plan.run_dir / link);
    if (!done.insert(dir).second) continue;
    auto manifest = train::read_manifest(dir);
    train::load_weights(dir, classifier);
    const auto p = eval::predict_classes(classifier, data.val, plan.config.loader, device);
    const auto keep = p.ids.empty() ? torch::empty({0}, torch::kInt64)
                                    : p.usable.logical_and(p.labels.ge(0)).nonzero().squeeze(1);
    if (keep.numel() < kMinCalibrationObjects) {
      spdlog::warn(
          "[finetune] the val split has {} labelled objects the classifier can read, fewer than "
          "the {} a temperature is fitted on: {} is not calibrated (temperature 1) and has no "
          "unknown-class detector",
          keep.numel(), kMinCalibrationObjects, dir.string());
      continue;
    }
    const auto c = eval::calibrate(p.logits.index_select(0, keep), p.labels.index_select(0, keep));
    if (c.temperature <= 0.0501 || c.temperature >= 19.99) {
      spdlog::warn(
          "[finetune] the temperature of {} reached the end of its range [0.05, 20]: the val "
          "objects are too few or too easy to calibrate on",
          dir.filename().string());
    }
    if (c.after.ece > c.before.ece) {
      spdlog::warn(
          "[finetune] the temperature minimises the val NLL but raises its ECE ({:.4f} -> "
          "{:.4f}) on {} objects: with few val objects the calibration is uncertain",
          c.before.ece, c.after.ece, c.objects);
    }
    manifest.calibration = c;
    spdlog::info(
        "[finetune] calibrated {} on {} val objects: temperature {:.3f}; NLL {:.4f} -> {:.4f}, "
        "ECE {:.4f} -> {:.4f}",
        dir.filename().string(), c.objects, c.temperature, c.before.nll, c.after.nll, c.before.ece,
        c.after.ece);
    manifest.open_set =
        fit_open_set(plan, data, classifier, device, c.temperature, p.logits.index_select(0, keep));
    train::rewrite_manifest(dir, manifest);
  }
}

}  // namespace

CLI::App* add_finetune_command(CLI::App& app, FinetuneArgs& args) {
  auto* cmd = app.add_subcommand("finetune", "Train a classifier, from scratch or from CLIP");
  cmd->add_option("--out,-o", args.out, "run directory (default results/finetune)");
  cmd->add_option("--resume", args.resume,
                  "continue from a checkpoint directory or a run directory (its latest)");
  cmd->add_option("--init", args.init, "initialise the encoders from a CLIP checkpoint");
  cmd->add_flag("--allow-split-mismatch", args.allow_split_mismatch,
                "accept a CLIP checkpoint pre-trained on another seed's split (data leakage)");
  add_config_flags(*cmd, args.config);
  add_dist_flags(*cmd, args.dist);
  return cmd;
}

int run_finetune(const FinetuneArgs& args, const GlobalFlags& global) {
  const auto plan = plan_run("classifier", args.out, args.resume, args.config, global,
                             "results/finetune", args.dist);
  if (args.config.dump_config) {
    print_config(plan.config);
    return kExitSuccess;
  }
  const auto& config = plan.config;
  if (!args.init.empty() && !args.resume.empty()) {
    throw ConfigError(
        "finetune: --init and --resume exclude each other (a resumed run keeps "
        "its weights)");
  }
  fs::path init_dir;
  train::CheckpointManifest init_manifest;
  if (!args.init.empty()) {
    init_dir = train::resolve_checkpoint(args.init);
    init_manifest = train::read_manifest(init_dir);
    if (init_manifest.kind != "clip") {
      throw ConfigError("--init " + init_dir.string() + " is a \"" + init_manifest.kind +
                        "\" checkpoint; fine-tuning starts from clip checkpoints");
    }
    check_leakage(init_manifest, init_dir, config.data.split_set, args.allow_split_mismatch);
  }
  // From here on SIGTERM/SIGINT end the command with exit 75 (train_run), not 143.
  train::StopSignalScope stop_signals;
  const auto context = start_distributed(config);
  const auto lock = prepare_run_dir(plan, context);
  const auto data = data::load_split_data(config.data, worker_threads(config.runtime.threads),
                                          normalization_for(config, plan, init_manifest, init_dir));
  const auto num_classes = static_cast<std::int64_t>(data.survey->class_names.size());
  const auto model_options = config::resolved_model_options(config);
  if (config.finetune.mode != "all" &&
      (config.finetune.fusion != "avg" || config.finetune.modality_dropout > 0.0)) {
    spdlog::warn(
        "[finetune] finetune.fusion and finetune.modality_dropout apply to mode all; "
        "this {} classifier ignores them",
        config.finetune.mode);
  }

  torch::manual_seed(init_seed(config));
  auto classifier = model::Classifier(model_options, config.finetune, num_classes);
  auto manifest = train::make_manifest("classifier", config, model_options, &data);
  if (!init_dir.empty()) {
    const auto weights = train::verified_file(init_dir, train::kWeightsFile);
    const auto copied =
        classifier->load_clip_weights(io::read_safetensors(weights).tensors, weights.string());
    spdlog::info("[finetune] initialised {} tensors from {} ({} mode{})", copied, init_dir.string(),
                 config.finetune.mode, config.finetune.freeze_encoders ? ", encoders frozen" : "");
    manifest.init = {{"checkpoint", init_dir.string()},
                     {"split_set", init_manifest.split_set},
                     {"membership_hash", init_manifest.split_hash},
                     {"split_mismatch_allowed", args.allow_split_mismatch}};
  }
  std::vector<double> weights;
  if (config.finetune.class_weights == "balanced") {
    weights = train::balanced_class_weights(data.survey->labels,
                                            data.survey->split_set(data.split_set).train,
                                            static_cast<std::size_t>(num_classes));
  }
  train::ClassifierObjective objective(classifier, weights, context.comm);
  if (plan.resumed) manifest.init = plan.resumed->init;
  const int code = train_run("finetune", plan, data, objective, manifest, context);
  if (code == kExitSuccess && context.comm->rank() == 0) {
    calibrate_run(plan, data, *classifier, context.device);
  }
  return code;
}

}  // namespace astrom3::cli

#include "cli/finetune_command.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/split_data.h"
#include "astrom3/io/safetensors.h"
#include "astrom3/model/classifier.h"
#include "astrom3/train/calibrate_run.h"
#include "astrom3/train/classifier_objective.h"
#include "astrom3/train/split_leakage.h"
#include "astrom3/train/stop_signal.h"
#include "cli/checkpoint_data.h"
#include "cli/exit_codes.h"
#include "cli/training_run.h"

namespace astrom3::cli {
namespace fs = std::filesystem;

namespace {

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
    const auto& current =
        name_of(config.finetune.normalization, model::normalization_source_names());
    const auto started = plan.resumed->config.value("finetune", nlohmann::json::object())
                             .value("normalization", current);
    if (started != current) {
      spdlog::warn(
          "[finetune] finetune.normalization = {} does not apply to a resumed run: it keeps the "
          "statistics it started with ({})",
          current, name.empty() ? "its checkpoint's" : name);
    }
  } else if (!init_dir.empty() &&
             config.finetune.normalization == model::NormalizationSource::kInit) {
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

// The CLIP checkpoint of --init (none: an empty dir), checked before anything is loaded: its
// kind, and that its pre-training split set does not leak this run's test objects.
struct InitCheckpoint {
  fs::path dir;
  train::CheckpointManifest manifest;
};

InitCheckpoint open_init_checkpoint(const FinetuneArgs& args, const config::RunConfig& config) {
  InitCheckpoint init;
  if (args.init.empty()) return init;
  init.dir = train::resolve_checkpoint(args.init);
  init.manifest = train::read_manifest(init.dir);
  check_stored_config(init.manifest, init.dir);
  train::require_kind(init.manifest, train::CheckpointKind::kClip, init.dir, "finetune --init");
  train::check_split_leakage(init.manifest.split_set, init.dir.string(), config.data.split_set,
                             args.allow_split_mismatch);
  return init;
}

// Copies the CLIP encoders (and projections) into the classifier; returns the manifest's
// record of where they came from.
nlohmann::json initialise_from(model::ClassifierImpl& classifier, const InitCheckpoint& init,
                               const config::RunConfig& config, const FinetuneArgs& args) {
  const auto weights = train::verified_file(init.dir, train::kWeightsFile);
  const auto copied =
      classifier.load_clip_weights(io::read_safetensors(weights).tensors, weights.string());
  spdlog::info("[finetune] initialised {} tensors from {} ({} mode{})", copied, init.dir.string(),
               config.finetune.mode, config.finetune.freeze_encoders ? ", encoders frozen" : "");
  return {{"checkpoint", init.dir.string()},
          {"split_set", init.manifest.split_set},
          {"membership_hash", init.manifest.split_hash},
          {"split_mismatch_allowed", args.allow_split_mismatch}};
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
  const auto plan = plan_run(train::CheckpointKind::kClassifier, args.out, args.resume, args.config,
                             global, "results/finetune", args.dist);
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
  const auto init = open_init_checkpoint(args, config);
  const auto& init_dir = init.dir;
  const auto& init_manifest = init.manifest;
  // From here on SIGTERM/SIGINT end the command with exit 75 (train_run), not 143.
  train::StopSignalScope stop_signals;
  const auto context = start_distributed(config);
  const auto lock = prepare_run_dir(plan, context);
  const auto data = data::load_split_data(config.data, worker_threads(config.runtime.threads),
                                          normalization_for(config, plan, init_manifest, init_dir));
  const auto num_classes = static_cast<std::int64_t>(data.survey->class_names.size());
  const auto model_options = config::resolved_model_options(config);
  if (config.finetune.mode != "all" &&
      (config.finetune.fusion != model::Fusion::kAvg || config.finetune.modality_dropout > 0.0)) {
    spdlog::warn(
        "[finetune] finetune.fusion and finetune.modality_dropout apply to mode all; "
        "this {} classifier ignores them",
        config.finetune.mode);
  }

  torch::manual_seed(init_seed(config));
  auto classifier = model::Classifier(model_options, config.finetune, num_classes);
  auto manifest = train::make_manifest(train::CheckpointKind::kClassifier, config::to_json(config),
                                       config::model_options_to_json(model_options), &data);
  if (!init_dir.empty()) manifest.init = initialise_from(*classifier, init, config, args);
  std::vector<double> weights;
  if (config.finetune.class_weights == model::ClassWeights::kBalanced) {
    weights = train::balanced_class_weights(data.survey->labels,
                                            data.survey->split_set(data.split_set).train,
                                            static_cast<std::size_t>(num_classes));
  }
  train::ClassifierObjective objective(classifier, weights, context.comm);
  if (plan.resumed) manifest.init = plan.resumed->init;
  const int code = train_run("finetune", plan, data, objective, manifest, context);
  if (code == kExitSuccess && context.comm->rank() == 0) {
    train::calibrate_run(plan.run_dir, data, *classifier, config.loader, context.device,
                         config.finetune.unknown_score);
  }
  return code;
}

}  // namespace astrom3::cli

#include "cli/pretrain_command.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"
#include "astrom3/data/split_data.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/model/parameter_summary.h"
#include "astrom3/train/checkpoint.h"
#include "astrom3/train/clip_objective.h"
#include "astrom3/train/trainer.h"
#include "cli/exit_codes.h"

namespace astrom3::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kInitStream = 0x494e4954ULL;    // "INIT"
constexpr std::uint64_t kLoaderStream = 0x4c4f4144ULL;  // "LOAD"

}  // namespace

CLI::App* add_pretrain_command(CLI::App& app, PretrainArgs& args) {
  auto* cmd = app.add_subcommand("pretrain", "CLIP pre-training of the three encoders");
  cmd->add_option("--out,-o", args.out, "run directory (default results/pretrain)");
  cmd->add_option("--resume", args.resume,
                  "continue from a checkpoint directory or a run directory (its latest)");
  cmd->add_flag("--dry-run", args.dry_run,
                "build the model, print its per-module parameter summary and exit");
  add_config_flags(*cmd, args.config);
  return cmd;
}

int run_pretrain(const PretrainArgs& args, const GlobalFlags& global) {
  fs::path checkpoint;
  nlohmann::json base;
  if (!args.resume.empty()) {
    checkpoint = train::resolve_checkpoint(args.resume);
    const auto manifest = train::read_manifest(checkpoint);
    if (manifest.kind != "clip") {
      throw ConfigError(checkpoint.string() + " is a \"" + manifest.kind +
                        "\" checkpoint; pretrain resumes only clip checkpoints");
    }
    base = manifest.config;
  }
  const auto config = resolve_config(args.config, global, {}, base);
  if (args.config.dump_config) {
    print_config(config);
    return kExitSuccess;
  }
  const auto model_options = config::resolved_model_options(config);
  auto model = model::make_model(model_options, derive_seed(config.runtime.seed, {kInitStream}));
  if (args.dry_run) {
    std::cout << model::format_parameter_summary(model::parameter_summary(*model));
    std::cout << "trainable parameters: " << model::trainable_parameters(*model) << std::endl;
    return kExitSuccess;
  }

  const fs::path run_dir = !args.out.empty()     ? fs::path(args.out)
                           : !checkpoint.empty() ? checkpoint.parent_path().parent_path()
                                                 : fs::path("results/pretrain");
  if (checkpoint.empty() && fs::exists(run_dir / "latest")) {
    throw ConfigError(run_dir.string() + " already holds a run; continue it with --resume " +
                      run_dir.string() + " or choose another --out");
  }
  prepare_output_location(run_dir / "config.json");
  const auto device = resolve_device(config.runtime.device);

  const auto data = data::load_split_data(config.data, worker_threads(config.runtime.threads));
  const auto loader_seed = derive_seed(config.runtime.seed, {kLoaderStream});
  data::BatchLoader train_loader(data.train, config.loader, /*training=*/true, loader_seed, device);
  data::BatchLoader val_loader(data.val, config.loader, /*training=*/false, loader_seed, device);

  train::TrainerSetup setup;
  setup.options = config.train;
  setup.seed = config.runtime.seed;
  setup.device = device;
  setup.run_dir = run_dir;
  setup.manifest = train::make_manifest("clip", config, model_options, &data);
  write_text_file_atomic(run_dir / "config.json", config::to_json(config).dump(2) + "\n");

  train::ClipObjective objective(model);
  train::Trainer trainer(objective, train_loader, val_loader, setup);
  if (!checkpoint.empty()) trainer.resume(checkpoint);
  if (trainer.state().stopped_early || trainer.state().epoch >= config.train.epochs) {
    spdlog::info(
        "[pretrain] {} has already finished training ({}); raise train.epochs to "
        "continue",
        checkpoint.string(), trainer.state().stopped_early ? "early stopping" : "all epochs done");
    return kExitSuccess;
  }
  spdlog::info("[pretrain] {} trainable parameters on {}; run directory {}",
               model::trainable_parameters(*model), device.str(), run_dir.string());
  const auto result = trainer.fit();
  if (result.outcome == train::TrainOutcome::kInterrupted) return kExitInterrupted;
  spdlog::info("[pretrain] done: best checkpoint {} ({} = {}), metrics {}",
               (run_dir / "best").string(), config.train.best_metric,
               trainer.state().best.value("value", 0.0), (run_dir / "metrics.jsonl").string());
  return kExitSuccess;
}

}  // namespace astrom3::cli

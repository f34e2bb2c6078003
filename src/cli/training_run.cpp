#include "cli/training_run.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"
#include "astrom3/data/batch_loader.h"
#include "astrom3/model/parameter_summary.h"
#include "astrom3/train/trainer.h"
#include "cli/exit_codes.h"

namespace astrom3::cli {
namespace fs = std::filesystem;

namespace {
constexpr std::uint64_t kInitStream = 0x494e4954ULL;    // "INIT"
constexpr std::uint64_t kLoaderStream = 0x4c4f4144ULL;  // "LOAD"
}  // namespace

std::uint64_t init_seed(const config::RunConfig& config) {
  return derive_seed(config.runtime.seed, {kInitStream});
}

RunPlan plan_run(const std::string& kind, const std::string& out, const std::string& resume,
                 const ConfigFlags& flags, const GlobalFlags& global,
                 const std::string& default_out) {
  RunPlan plan;
  nlohmann::json base;
  if (!resume.empty()) {
    plan.checkpoint = train::resolve_checkpoint(resume);
    plan.resumed = train::read_manifest(plan.checkpoint);
    if (plan.resumed->kind != kind) {
      throw ConfigError(plan.checkpoint.string() + " is a \"" + plan.resumed->kind +
                        "\" checkpoint; this command resumes " + kind + " checkpoints");
    }
    base = plan.resumed->config;
  }
  plan.config = resolve_config(flags, global, {}, base);
  plan.run_dir = !out.empty()               ? fs::path(out)
                 : !plan.checkpoint.empty() ? plan.checkpoint.parent_path().parent_path()
                                            : fs::path(default_out);
  return plan;
}

void prepare_run_dir(const RunPlan& plan) {
  if (plan.checkpoint.empty() && fs::exists(plan.run_dir / "latest")) {
    throw ConfigError(plan.run_dir.string() + " already holds a run; continue it with --resume " +
                      plan.run_dir.string() + " or choose another --out");
  }
  prepare_output_location(plan.run_dir / "config.json");
}

int train_run(const std::string& command, const RunPlan& plan, const data::SplitData& data,
              train::Objective& objective, const train::CheckpointManifest& manifest) {
  const auto& config = plan.config;
  const auto device = resolve_device(config.runtime.device);
  const auto loader_seed = derive_seed(config.runtime.seed, {kLoaderStream});
  data::BatchLoader train_loader(data.train, config.loader, /*training=*/true, loader_seed, device);
  data::BatchLoader val_loader(data.val, config.loader, /*training=*/false, loader_seed, device);

  train::TrainerSetup setup;
  setup.options = config.train;
  setup.seed = config.runtime.seed;
  setup.device = device;
  setup.run_dir = plan.run_dir;
  setup.manifest = manifest;
  write_text_file_atomic(plan.run_dir / "config.json", config::to_json(config).dump(2) + "\n");

  train::Trainer trainer(objective, train_loader, val_loader, setup);
  if (!plan.checkpoint.empty()) trainer.resume(plan.checkpoint);
  const auto& state = trainer.state();
  if (state.stopped_early || state.epoch >= config.train.epochs) {
    spdlog::info("[{}] {} has already finished training ({}); raise train.epochs to continue",
                 command, plan.checkpoint.string(),
                 state.stopped_early ? "early stopping" : "all epochs done");
    return kExitSuccess;
  }
  spdlog::info("[{}] {} trainable parameters on {}; run directory {}", command,
               model::trainable_parameters(objective.module()), device.str(),
               plan.run_dir.string());
  const auto result = trainer.fit();
  if (result.outcome == train::TrainOutcome::kInterrupted) return kExitInterrupted;
  spdlog::info("[{}] done: best checkpoint {} ({} = {}), metrics {}", command,
               (plan.run_dir / "best").string(), config.train.best_metric,
               state.best.value("value", 0.0), (plan.run_dir / "metrics.jsonl").string());
  return kExitSuccess;
}

}  // namespace astrom3::cli

#include "cli/training_run.h"

#include <spdlog/spdlog.h>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/common/fault_point.h"
#include "astrom3/common/logging.h"
#include "astrom3/common/rng.h"
#include "astrom3/data/batch_loader.h"
#include "astrom3/model/parameter_summary.h"
#include "astrom3/train/stop_signal.h"
#include "astrom3/train/trainer.h"
#include "cli/checkpoint_data.h"
#include "cli/exit_codes.h"
#include "cli/validators.h"

namespace astrom3::cli {
namespace fs = std::filesystem;

namespace {
constexpr std::uint64_t kInitStream = 0x494e4954ULL;    // "INIT"
constexpr std::uint64_t kLoaderStream = 0x4c4f4144ULL;  // "LOAD"
}  // namespace

void add_dist_flags(CLI::App& command, DistFlags& flags) {
  command
      .add_option("--dist-backend", flags.backend,
                  "process group under a distributed launch: auto (nccl on CUDA, gloo on CPU), "
                  "gloo or nccl (dist.backend)")
      ->check(CLI::IsMember({"auto", "gloo", "nccl"}));
  command
      .add_option("--dist-timeout", flags.timeout_s,
                  "seconds a rank waits for the others in the rendezvous and in each collective "
                  "before it fails (dist.timeout_s)")
      ->check(positive());
}

TypedFlags typed_flags(const DistFlags& flags) {
  TypedFlags typed;
  add_typed(typed, "dist.backend", flags.backend);
  add_typed(typed, "dist.timeout_s", flags.timeout_s);
  return typed;
}

DistContext start_distributed(const config::RunConfig& config) {
  DistContext context;
  context.launch = dist::detect_launch();
  if (context.launch.distributed()) set_logging_rank(context.launch.rank);
  context.device = dist::rank_device(config.runtime.device, context.launch);
  context.comm = dist::Comm::create(context.launch, config.dist, context.device);
  return context;
}

std::uint64_t init_seed(const config::RunConfig& config) {
  return derive_seed(config.runtime.seed, {kInitStream});
}

RunPlan plan_run(train::CheckpointKind kind, const std::string& out, const std::string& resume,
                 const ConfigFlags& flags, const GlobalFlags& global,
                 const std::string& default_out, const DistFlags& dist_flags) {
  RunPlan plan;
  nlohmann::json base;
  if (!resume.empty()) {
    plan.checkpoint = train::resolve_checkpoint(resume);
    plan.resumed = train::read_manifest(plan.checkpoint);
    check_stored_config(*plan.resumed, plan.checkpoint);
    if (plan.resumed->kind != kind) {
      throw ConfigError(
          plan.checkpoint.string() + " is a \"" + train::kind_name(plan.resumed->kind) +
          "\" checkpoint; this command resumes " + train::kind_name(kind) + " checkpoints");
    }
    base = plan.resumed->config;
  }
  plan.config = resolve_config(flags, global, typed_flags(dist_flags), base);
  plan.run_dir = train::choose_run_dir(out, plan.checkpoint, default_out);
  return plan;
}

std::unique_ptr<train::RunLock> prepare_run_dir(const RunPlan& plan, const DistContext& context) {
  return train::claim_run_dir(plan.run_dir, !plan.checkpoint.empty(), context.comm->rank() == 0);
}

int train_run(const std::string& command, const RunPlan& plan, const data::SplitData& data,
              train::Objective& objective, const train::CheckpointManifest& manifest,
              const DistContext& context) {
  // The command's StopSignalScope has been open since start-up: a signal during data loading
  // ends the run here, with the exit code a batch script requeues on.
  fault_point("data_loaded");
  if (const int signal = train::stop_requested()) {
    spdlog::warn(
        "[{}] stopped by signal {} before training began; nothing was trained, so "
        "running the same command again starts (or resumes) the run",
        command, signal);
    return kExitInterrupted;
  }
  if (plan.resumed) train::check_resume_data(*plan.resumed, data, plan.checkpoint.string());
  if (data.train->size() == 0) {
    // Otherwise the trainer's "fewer objects than one batch" would send the user to the batch
    // size, which cannot help.
    throw DataError("split set " + data.split_set + " of " + plan.config.data.path +
                    ": the train split has no objects, so there is nothing to train on (astrom3 "
                    "inspect lists each split set's sizes)");
  }
  const auto& config = plan.config;
  const auto& device = context.device;
  const auto& comm = *context.comm;
  const dist::Shard rank{comm.rank(), comm.world_size()};
  const auto loader_seed = derive_seed(config.runtime.seed, {kLoaderStream});
  data::BatchLoader train_loader(data.train, config.loader, /*training=*/true, loader_seed, device,
                                 rank);
  data::BatchLoader val_loader(data.val, config.loader, /*training=*/false, loader_seed, device,
                               rank);

  train::TrainerSetup setup;
  setup.options = config.train;
  setup.seed = config.runtime.seed;
  setup.device = device;
  setup.run_dir = plan.run_dir;
  setup.manifest = manifest;
  setup.comm = context.comm;
  setup.bucket_mb = config.dist.bucket_mb;
  if (comm.rank() == 0) {
    write_text_file_atomic(plan.run_dir / "config.json", config::to_json(config).dump(2) + "\n");
  }

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
  if (comm.distributed()) {
    spdlog::info("[{}] data parallel over {} ranks ({}): global batch {}, about {} per rank",
                 command, comm.world_size(), comm.backend(), config.loader.batch_size,
                 config.loader.batch_size / comm.world_size());
  }
  const auto result = trainer.fit();
  if (result.outcome == train::TrainOutcome::kInterrupted) return kExitInterrupted;
  const auto& best = state.best;
  spdlog::info(
      "[{}] done: best checkpoint {} ({}), metrics {}", command, (plan.run_dir / "best").string(),
      !best || !best->value
          ? std::string("the last epoch: no validation objects")
          : fmt::format("{} = {}", name_of(best->metric, train::best_metric_names()), *best->value),
      (plan.run_dir / "metrics.jsonl").string());
  return kExitSuccess;
}

}  // namespace astrom3::cli

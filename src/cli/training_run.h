// What `pretrain` and `finetune` share: resolving a fresh or resumed run (config, run
// directory, checkpoint), building the loaders and the trainer, training, and reporting.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <c10/core/Device.h>

#include "astrom3/config/run_config.h"
#include "astrom3/data/split_data.h"
#include "astrom3/dist/comm.h"
#include "astrom3/dist/launch.h"
#include "astrom3/train/checkpoint.h"
#include "astrom3/train/objective.h"
#include "astrom3/train/run_lock.h"
#include "cli/config_flags.h"
#include "cli/global_flags.h"

namespace astrom3::cli {

/// --dist-backend and --dist-timeout of the training commands (the `dist` config section).
struct DistFlags {
  std::optional<std::string> backend;
  std::optional<double> timeout_s;
};
void add_dist_flags(CLI::App& command, DistFlags& flags);
TypedFlags typed_flags(const DistFlags& flags);

/// This process's place in a (possibly) distributed job.
struct DistContext {
  dist::LaunchInfo launch;
  c10::Device device = c10::Device(c10::kCPU);
  std::shared_ptr<dist::Comm> comm;  // the single-rank communicator when not distributed
};

/// Detects a torchrun or SLURM launch (dist/launch.h), tags the log with the rank, picks the
/// rank's device and, for several ranks, joins the process group of config.dist.
DistContext start_distributed(const config::RunConfig& config);

struct RunPlan {
  config::RunConfig config;
  std::filesystem::path run_dir;
  std::filesystem::path checkpoint;                  // resume from here; empty for a fresh run
  std::optional<train::CheckpointManifest> resumed;  // its manifest
};

/// Resolves the configuration (a resumed run starts from its checkpoint's config) and the run
/// directory: --out, else the resumed run's, else `default_out`. A fresh run refuses a
/// directory that already holds one. `kind` is the checkpoint kind this command resumes.
RunPlan plan_run(train::CheckpointKind kind, const std::string& out, const std::string& resume,
                 const ConfigFlags& flags, const GlobalFlags& global,
                 const std::string& default_out, const DistFlags& dist_flags);

/// Takes the run directory's lock on rank 0 (train/run_lock.h: a second run in the same
/// directory is a ConfigError), refuses a fresh run in a directory that already holds one
/// (ConfigError) and checks that the run directory is writable, before any expensive work. The
/// caller keeps the returned lock (null on other ranks) for the life of the run.
std::unique_ptr<train::RunLock> prepare_run_dir(const RunPlan& plan, const DistContext& context);

/// Derived seeds shared by the training commands.
std::uint64_t init_seed(const config::RunConfig& config);

/// Trains `objective` on `data` (train split; val for validation) and returns the exit code
/// (0, or kExitInterrupted after a stop signal). `manifest` is the checkpoints' template.
/// Under data parallelism every rank calls it with its context; only rank 0 writes.
int train_run(const std::string& command, const RunPlan& plan, const data::SplitData& data,
              train::Objective& objective, const train::CheckpointManifest& manifest,
              const DistContext& context);

}  // namespace astrom3::cli

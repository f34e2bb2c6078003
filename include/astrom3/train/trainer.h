// The training loop shared by pre-training and fine-tuning: per-epoch schedule, optimiser
// steps with gradient clipping, validation, early stopping, `best` selection, checkpoints,
// metrics.jsonl, a progress line, graceful stop on SIGINT/SIGTERM and exact resume.
//
// Determinism: the data order comes from (seed, epoch) (BatchLoader) and every step reseeds
// LibTorch's generators from (seed, global step), so on CPU a run resumed from any checkpoint,
// also one written mid-epoch by a signal, produces the same weights as an uninterrupted run.
//
// Data parallel (TrainerSetup::comm with several ranks): the loaders hand each rank its shard
// of every global batch; rank 0's weights are broadcast at the start; each step all-reduces
// the objective's sums and the stop flag in one collective, so every rank sees the global loss,
// checks it, and stops at the same step; gradients are summed in buckets during backward
// (dist::GradientReducer). Only rank 0 writes checkpoints, metrics and the progress line.
// Positions and accumulators are in global batches, so a run resumes on any number of ranks.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <torch/optim/optimizer.h>
#include <nlohmann/json.hpp>

#include "astrom3/data/batch_loader.h"
#include "astrom3/dist/comm.h"
#include "astrom3/dist/gradient_reducer.h"
#include "astrom3/train/checkpoint.h"
#include "astrom3/train/checkpointer.h"
#include "astrom3/train/early_stopping.h"
#include "astrom3/train/lr_schedule.h"
#include "astrom3/train/objective.h"
#include "astrom3/train/train_options.h"
#include "astrom3/train/training_observer.h"

namespace astrom3::train {

struct TrainerSetup {
  TrainOptions options;
  std::uint64_t seed = 42;
  c10::Device device = c10::Device(c10::kCPU);
  std::filesystem::path run_dir;  // receives checkpoints/, latest, best, metrics.jsonl
  /// Template of every checkpoint's manifest (kind, config, model, class names, normalization,
  /// split set); the trainer fills in the training state and metrics.
  CheckpointManifest manifest;
  /// The data-parallel communicator (null = a single process) and its gradient bucket size.
  std::shared_ptr<dist::Comm> comm;
  double bucket_mb = 25.0;
  /// Told about steps and records besides the progress line and metrics.jsonl (rank 0 only).
  std::vector<std::shared_ptr<TrainingObserver>> observers;
};

enum class TrainOutcome { kCompleted, kEarlyStopped, kInterrupted };

struct TrainResult {
  TrainOutcome outcome = TrainOutcome::kCompleted;
  int signal = 0;                         // the stop signal, when interrupted
  std::filesystem::path last_checkpoint;  // the checkpoint written last
  nlohmann::json last_epoch;              // the last epoch record (empty if none finished)
};

class Trainer {
 public:
  /// Moves the objective's module to the device and creates the optimiser.
  Trainer(Objective& objective, data::BatchLoader& train, data::BatchLoader& val,
          TrainerSetup setup);

  /// Restores weights, optimiser, schedule, early stopping, best metric and position from a
  /// checkpoint written by a Trainer with the same model.
  void resume(const std::filesystem::path& checkpoint);

  /// Trains until train.epochs, early stopping or a stop signal. Throws Error on a non-finite
  /// loss (naming epoch and step) without writing a checkpoint.
  TrainResult fit();

  /// Validation metrics of the current weights (eval mode, no gradients).
  nlohmann::json evaluate(data::BatchLoader& loader);

  const TrainingState& state() const { return state_; }

 private:
  using Clock = std::chrono::steady_clock;
  /// Running figures of one epoch's step loop; the window is the span of the next step record.
  struct EpochRun {
    std::int64_t epoch = 0;  // 0-based
    double lr = 0;
    std::int64_t steps_per_epoch = 0;
    Clock::time_point start, window_start;
    double data_wait = 0, window_wait = 0;
    std::int64_t samples = 0, window_samples = 0;
  };

  /// Sets the epoch's learning rate and starts its batches (at state_.step_in_epoch).
  EpochRun start_epoch(std::int64_t steps_per_epoch);
  /// The epoch's remaining steps. A result when a stop signal ended it (after its checkpoint).
  std::optional<TrainResult> train_epoch(EpochRun& run);
  /// One optimiser step; returns whether any rank was asked to stop. Throws Error naming the
  /// step on a non-finite loss.
  bool train_step(const data::Batch& batch, EpochRun& run, double waited);
  /// Validation, schedule, early stopping, the epoch's record, checkpoint and links. A result
  /// when training ends here (early stopping, a stop signal).
  std::optional<TrainResult> end_epoch(const EpochRun& run);
  /// The checkpoint written when a stop signal ends the step loop, and its result.
  TrainResult stop_mid_epoch(const EpochRun& run);
  /// Writes checkpoint `name` with the current state and `metrics` (rank 0; the path on all).
  std::filesystem::path save(const std::string& name, const nlohmann::json& metrics);
  /// Records the epoch (state_.epoch, already advanced) as best if its metric improved.
  bool update_best(const nlohmann::json& val_metrics);
  bool rank0() const { return comm_->rank() == 0; }
  void notify_record(const nlohmann::json& record);
  void notify_pause();
  /// A step's (or validation batch's) figures summed over the ranks, on the host.
  struct ReducedStep {
    double loss = 0;    // the objective's loss as back-propagated, summed over ranks
    bool stop = false;  // some rank was asked to stop
    std::map<std::string, double> sums;  // the objective's sums (StepOutput::sums)
  };
  /// One collective for all of them; `stop` is this rank's request.
  ReducedStep reduce_step(const StepOutput& out, bool stop);

  Objective& objective_;
  data::BatchLoader& train_;
  data::BatchLoader& val_;
  TrainerSetup setup_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  LrSchedule schedule_;
  EarlyStopping early_stopping_;
  std::shared_ptr<dist::Comm> comm_;
  std::unique_ptr<dist::GradientReducer> reducer_;
  Checkpointer checkpointer_;
  TrainingState state_;
  nlohmann::json resumed_record_;  // the resumed end-of-epoch checkpoint's metrics, or null
  std::map<std::string, double> epoch_sums_;
  // For the duration of fit(): the observers (progress line, metrics.jsonl, the setup's), the
  // result so far, and the validation split's state.
  std::vector<std::shared_ptr<TrainingObserver>> observers_;
  TrainResult result_;
  bool has_val_objects_ = false;
  bool warned_unscorable_val_ = false;
};

}  // namespace astrom3::train

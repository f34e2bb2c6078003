// What the trainer reports while it runs, to whoever displays or stores it: the live progress
// line and metrics.jsonl are observers (trainer.cpp), and TrainerSetup::observers adds more
// (tests, a dashboard). Only rank 0 of a data-parallel job reports.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace astrom3::train {

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;

  /// After every optimiser step: the epoch (0-based) of `epochs`, the step (1-based) of
  /// `steps_per_epoch`, the step's global loss and the epoch's samples per second so far.
  virtual void on_step(std::int64_t /*epoch*/, std::int64_t /*epochs*/, std::int64_t /*step*/,
                       std::int64_t /*steps_per_epoch*/, double /*loss*/, double /*rate*/) {}

  /// A record as metrics.jsonl stores it: "type" "step" every train.log_every_steps steps, or
  /// "type" "epoch" once the epoch's checkpoint is committed.
  virtual void on_record(const nlohmann::json& /*record*/) {}

  /// The step loop paused (end of an epoch, a stop, a failed step): a live display ends its line
  /// before other output.
  virtual void on_pause() {}
};

}  // namespace astrom3::train

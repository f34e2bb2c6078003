// Where training stands, typed: position, the plateau schedule's and early stopping's memory,
// the epoch `best` points at and the partial epoch's sums. Enough to continue exactly where a
// run stopped. Checkpoint manifests store it as `training_state` (docs/training.md); the JSON
// layout is the one of every earlier version, so their checkpoints still resume
// (tests/data/checkpoints/README.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "astrom3/train/train_options.h"

namespace astrom3::train {

/// LrSchedule's memory: the plateau rule's best validation loss and epochs without a relative
/// improvement, and the lr it has reduced to (< 0: not reduced, the base lr applies).
struct ScheduleState {
  double plateau_lr = -1.0;
  double best = 0.0;
  bool has_best = false;
  std::int64_t bad_epochs = 0;
};

/// EarlyStopping's memory: the best validation loss so far and the epochs since it.
struct EarlyStoppingState {
  double best = 0.0;
  bool has_best = false;
  std::int64_t bad_epochs = 0;
};

inline bool operator==(const ScheduleState& a, const ScheduleState& b) {
  return a.plateau_lr == b.plateau_lr && a.best == b.best && a.has_best == b.has_best &&
         a.bad_epochs == b.bad_epochs;
}
inline bool operator==(const EarlyStoppingState& a, const EarlyStoppingState& b) {
  return a.best == b.best && a.has_best == b.has_best && a.bad_epochs == b.bad_epochs;
}

/// The epoch the run directory's `best` link points at.
struct BestEpoch {
  BestMetric metric = BestMetric::kValAccuracy;
  /// The metric's value; none when no validation object could be scored (then `best` follows
  /// the last epoch).
  std::optional<double> value;
  std::int64_t epoch = 0;  // 1-based: the checkpoint epoch-000N
};

struct TrainingState {
  std::int64_t epoch = 0;          // epoch in progress (or next to start), 0-based
  std::int64_t step_in_epoch = 0;  // optimiser steps already done in `epoch`
  std::int64_t global_step = 0;    // optimiser steps since the start of training
  bool stopped_early = false;      // early stopping ended training (train.epochs may grow)
  ScheduleState schedule;
  EarlyStoppingState early_stopping;
  std::optional<BestEpoch> best;  // none before the first epoch ends
  /// The objective's sums over the steps done in `epoch` (Objective::summarize's input).
  std::map<std::string, double> epoch_sums;
};

nlohmann::json to_json(const TrainingState& state);
/// Throws nlohmann::json::exception on a missing or mistyped key and std::invalid_argument on
/// an unknown best metric or an impossible position (negative, or fewer global steps than steps
/// into the epoch); checkpoint reading turns both into a DataError naming the file.
/// Empty `schedule`, `early_stopping` and `best` objects (checkpoints that were never trained,
/// e.g. imported weights) read as the defaults.
TrainingState training_state_from_json(const nlohmann::json& doc);

}  // namespace astrom3::train

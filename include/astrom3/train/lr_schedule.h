// Per-epoch learning-rate schedule: linear warm-up from warmup_start_factor, then
// ReduceLROnPlateau on the validation loss (the paper), cosine decay, or constant.
// Epoch e < warmup_epochs uses lr * (f0 + (1 - f0) * e / warmup_epochs), as PyTorch's LinearLR
// stepped once per epoch.
#pragma once

#include <cstdint>

#include "astrom3/train/train_options.h"
#include "astrom3/train/training_state.h"

namespace astrom3::train {

class LrSchedule {
 public:
  explicit LrSchedule(const TrainOptions& options) : options_(options) {}

  /// The learning rate of every parameter group during `epoch` (0-based).
  double lr(std::int64_t epoch) const;
  /// Feeds the finished epoch's validation loss (plateau only counts epochs after warm-up, as
  /// upstream steps its plateau scheduler only then). Same rule as PyTorch's
  /// ReduceLROnPlateau(mode=min, threshold_mode=rel, cooldown=0).
  void end_epoch(std::int64_t epoch, double val_loss);

  ScheduleState state() const;
  void restore(const ScheduleState& state);

 private:
  TrainOptions options_;
  double plateau_lr_ = -1.0;  // current post-warm-up lr of the plateau schedule; < 0 = base lr
  double best_ = 0.0;
  bool has_best_ = false;
  std::int64_t bad_epochs_ = 0;
};

}  // namespace astrom3::train

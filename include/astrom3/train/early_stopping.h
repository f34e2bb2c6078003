// Early stopping on the validation loss: stop after `patience` consecutive epochs without a
// strictly lower loss. Unlike upstream (the official code's src/utils.py EarlyStopping) the counter
// starts at 0, so the full patience applies from the first epoch.
#pragma once

#include <cstdint>

#include "astrom3/train/training_state.h"

namespace astrom3::train {

class EarlyStopping {
 public:
  explicit EarlyStopping(std::int64_t patience) : patience_(patience) {}

  /// Records one epoch's validation loss; true when training should stop (never if patience 0).
  bool update(double val_loss);
  std::int64_t epochs_without_improvement() const { return bad_epochs_; }

  EarlyStoppingState state() const;
  void restore(const EarlyStoppingState& state);

 private:
  std::int64_t patience_;
  double best_ = 0.0;
  bool has_best_ = false;
  std::int64_t bad_epochs_ = 0;
};

}  // namespace astrom3::train

#include "astrom3/train/early_stopping.h"

namespace astrom3::train {

bool EarlyStopping::update(double val_loss) {
  if (!has_best_ || val_loss < best_) {
    best_ = val_loss;
    has_best_ = true;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  return patience_ > 0 && bad_epochs_ >= patience_;
}

EarlyStoppingState EarlyStopping::state() const {
  return {best_, has_best_, bad_epochs_};
}

void EarlyStopping::restore(const EarlyStoppingState& state) {
  best_ = state.best;
  has_best_ = state.has_best;
  bad_epochs_ = state.bad_epochs;
}

}  // namespace astrom3::train

#include "astrom3/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace astrom3::train {

double LrSchedule::lr(std::int64_t epoch) const {
  const auto& o = options_;
  if (epoch < o.warmup_epochs) {
    const double f = o.warmup_start_factor + (1.0 - o.warmup_start_factor) *
                                                 static_cast<double>(epoch) /
                                                 static_cast<double>(o.warmup_epochs);
    return o.lr * f;
  }
  if (o.schedule == Schedule::kPlateau) return plateau_lr_ < 0 ? o.lr : plateau_lr_;
  if (o.schedule == Schedule::kCosine) {
    const double span = static_cast<double>(std::max<std::int64_t>(1, o.epochs - o.warmup_epochs));
    const double t = std::min(1.0, static_cast<double>(epoch - o.warmup_epochs) / span);
    return o.min_lr + (o.lr - o.min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
  }
  return o.lr;
}

void LrSchedule::end_epoch(std::int64_t epoch, double val_loss) {
  const auto& o = options_;
  if (o.schedule != Schedule::kPlateau || epoch < o.warmup_epochs) return;
  if (!has_best_ || val_loss < best_ * (1.0 - o.plateau_threshold)) {
    best_ = val_loss;
    has_best_ = true;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  if (bad_epochs_ > o.plateau_patience) {
    const double current = lr(epoch);
    const double reduced = std::max(current * o.plateau_factor, o.min_lr);
    if (current - reduced > 1e-8) plateau_lr_ = reduced;
    bad_epochs_ = 0;
  }
}

ScheduleState LrSchedule::state() const {
  return {plateau_lr_, best_, has_best_, bad_epochs_};
}

void LrSchedule::restore(const ScheduleState& state) {
  plateau_lr_ = state.plateau_lr;
  best_ = state.best;
  has_best_ = state.has_best;
  bad_epochs_ = state.bad_epochs;
}

}  // namespace astrom3::train

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

nlohmann::json EarlyStopping::state() const {
  return {{"best", best_}, {"has_best", has_best_}, {"bad_epochs", bad_epochs_}};
}

void EarlyStopping::restore(const nlohmann::json& state) {
  best_ = state.at("best").get<double>();
  has_best_ = state.at("has_best").get<bool>();
  bad_epochs_ = state.at("bad_epochs").get<std::int64_t>();
}

}  // namespace astrom3::train

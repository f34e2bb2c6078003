#include "astrom3/train/training_state.h"

#include <stdexcept>

namespace astrom3::train {
using nlohmann::json;

namespace {

bool empty_object(const json& j) {
  return j.is_object() && j.empty();
}

}  // namespace

json to_json(const TrainingState& s) {
  json best = json::object();
  if (s.best) {
    best = {{"metric", name_of(s.best->metric, best_metric_names())},
            {"value", s.best->value ? json(*s.best->value) : json(nullptr)},
            {"epoch", s.best->epoch}};
  }
  json sums = json::object();
  for (const auto& [key, value] : s.epoch_sums) sums[key] = value;
  return {{"epoch", s.epoch},
          {"step_in_epoch", s.step_in_epoch},
          {"global_step", s.global_step},
          {"stopped_early", s.stopped_early},
          {"schedule",
           {{"plateau_lr", s.schedule.plateau_lr},
            {"best", s.schedule.best},
            {"has_best", s.schedule.has_best},
            {"bad_epochs", s.schedule.bad_epochs}}},
          {"early_stopping",
           {{"best", s.early_stopping.best},
            {"has_best", s.early_stopping.has_best},
            {"bad_epochs", s.early_stopping.bad_epochs}}},
          {"best", best},
          {"epoch_sums", sums}};
}

TrainingState training_state_from_json(const json& doc) {
  TrainingState s;
  s.epoch = doc.at("epoch").get<std::int64_t>();
  s.step_in_epoch = doc.at("step_in_epoch").get<std::int64_t>();
  s.global_step = doc.at("global_step").get<std::int64_t>();
  s.stopped_early = doc.at("stopped_early").get<bool>();
  if (s.epoch < 0 || s.step_in_epoch < 0 || s.global_step < s.step_in_epoch) {
    throw std::invalid_argument("training_state: epoch " + std::to_string(s.epoch) + ", step " +
                                std::to_string(s.step_in_epoch) + ", global step " +
                                std::to_string(s.global_step) + " is not a training position");
  }
  if (const auto& j = doc.at("schedule"); !empty_object(j)) {
    s.schedule.plateau_lr = j.at("plateau_lr").get<double>();
    s.schedule.best = j.at("best").get<double>();
    s.schedule.has_best = j.at("has_best").get<bool>();
    s.schedule.bad_epochs = j.at("bad_epochs").get<std::int64_t>();
  }
  if (const auto& j = doc.at("early_stopping"); !empty_object(j)) {
    s.early_stopping.best = j.at("best").get<double>();
    s.early_stopping.has_best = j.at("has_best").get<bool>();
    s.early_stopping.bad_epochs = j.at("bad_epochs").get<std::int64_t>();
  }
  if (const auto& j = doc.at("best"); !empty_object(j)) {
    const auto name = j.at("metric").get<std::string>();
    const auto metric = parse_enum(name, best_metric_names());
    if (!metric) {
      throw std::invalid_argument("training_state.best.metric \"" + name + "\" is not " +
                                  names_list(best_metric_names()));
    }
    BestEpoch best;
    best.metric = *metric;
    if (!j.at("value").is_null()) best.value = j.at("value").get<double>();
    best.epoch = j.at("epoch").get<std::int64_t>();
    s.best = best;
  }
  for (const auto& [key, value] : doc.at("epoch_sums").items()) {
    s.epoch_sums[key] = value.get<double>();
  }
  return s;
}

}  // namespace astrom3::train

#include "astrom3/train/clip_objective.h"

#include <torch/torch.h>

#include "astrom3/model/contrastive_loss.h"

namespace astrom3::train {

StepOutput ClipObjective::compute(const data::Batch& batch) {
  const auto out = model::contrastive_loss(*model_, model_->embed(batch), batch);
  StepOutput step;
  step.loss = out.total;
  step.sums["loss"] = out.total.detach();
  step.sums["batches"] = torch::ones({});
  for (std::size_t p = 0; p < out.pairs.size(); ++p) {
    step.sums["loss_" + model_->pairs()[p].key] = out.pairs[p].detach();
  }
  step.sums["correct"] = out.retrieval_correct;
  step.sums["counted"] = out.retrieval_counted;
  return step;
}

nlohmann::json ClipObjective::summarize(const std::map<std::string, double>& sums) const {
  const double batches = std::max(1.0, sums.count("batches") ? sums.at("batches") : 0.0);
  nlohmann::json m;
  m["loss"] = sums.count("loss") ? sums.at("loss") / batches : 0.0;
  for (const auto& pair : model_->pairs()) {
    const auto key = "loss_" + pair.key;
    m[key] = sums.count(key) ? sums.at(key) / batches : 0.0;
  }
  const double counted = sums.count("counted") ? sums.at("counted") : 0.0;
  m["accuracy"] = counted > 0 ? sums.at("correct") / counted : 0.0;
  return m;
}

nlohmann::json ClipObjective::step_extras() {
  nlohmann::json extras;
  for (std::size_t p = 0; p < model_->pairs().size(); ++p) {
    extras["logit_scale_" + model_->pairs()[p].key] = model_->logit_scale(p).item<double>();
  }
  return extras;
}

}  // namespace astrom3::train

// CLIP pre-training objective: the contrastive loss of AstroM3Model over all modality pairs.
// Epoch metrics: loss (mean over batches, as upstream), loss_<pair>, accuracy (in-batch
// retrieval, paper.md §4.4) and logit_scale_<pair>.
#pragma once

#include "astrom3/model/astrom3_model.h"
#include "astrom3/train/objective.h"

namespace astrom3::train {

class ClipObjective : public Objective {
 public:
  explicit ClipObjective(model::AstroM3Model model) : model_(std::move(model)) {}

  torch::nn::Module& module() override { return *model_; }
  void set_step(std::uint64_t global_step) override { model_->set_sampling_step(global_step); }
  StepOutput compute(const data::Batch& batch) override;
  nlohmann::json summarize(const std::map<std::string, double>& sums) const override;
  nlohmann::json step_extras() override;

 private:
  model::AstroM3Model model_;
};

}  // namespace astrom3::train

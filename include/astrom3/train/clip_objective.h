// CLIP pre-training objective: the contrastive loss of AstroM3Model over all modality pairs.
// Epoch metrics: loss (mean over batches, as upstream), loss_<pair>, accuracy (in-batch
// retrieval, arXiv 2411.08842 §4) and logit_scale_<pair>.
//
// Data parallel: each rank embeds its rows of the global batch, all-gathers every modality's
// embeddings (gradients flow back to the owning rank) and computes its share of the global
// batch's loss (model::contrastive_loss_share); its sums are shares too, so that summed over
// ranks they are the single-process values.
#pragma once

#include <memory>

#include "astrom3/dist/comm.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/train/objective.h"

namespace astrom3::train {

class ClipObjective : public Objective {
 public:
  /// `comm`: the data-parallel communicator; null = a single process.
  explicit ClipObjective(model::AstroM3Model model, std::shared_ptr<dist::Comm> comm = nullptr);

  torch::nn::Module& module() override { return *model_; }
  void set_precision(Precision precision) override { model_->set_precision(precision); }
  void set_step(std::uint64_t global_step) override { model_->set_sampling_step(global_step); }
  StepOutput compute(const data::Batch& batch) override;
  nlohmann::json summarize(const std::map<std::string, double>& sums) const override;
  nlohmann::json step_extras() override;

 private:
  model::AstroM3Model model_;
  std::shared_ptr<dist::Comm> comm_;
};

}  // namespace astrom3::train

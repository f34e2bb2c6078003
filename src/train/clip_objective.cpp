#include "astrom3/train/clip_objective.h"

#include <torch/torch.h>

#include "astrom3/dist/shard.h"
#include "astrom3/model/contrastive_loss.h"
#include "astrom3/model/dropout.h"

namespace astrom3::train {

ClipObjective::ClipObjective(model::AstroM3Model model, std::shared_ptr<dist::Comm> comm)
    : model_(std::move(model)), comm_(comm ? std::move(comm) : std::make_shared<dist::Comm>()) {}

StepOutput ClipObjective::compute(const data::Batch& batch) {
  model::DropoutRowOffset dropout_rows(batch.global_offset);
  std::vector<torch::Tensor> local;
  if (batch.size() > 0) {
    local = model_->embed(batch);
  } else {  // a rank without rows in the last validation batch still joins the gathers
    const auto options = batch.metadata.options();
    for (std::size_t m = 0; m < model_->modalities().size(); ++m) {
      local.push_back(torch::zeros({0, model_->options().embedding_dim}, options));
    }
  }
  const auto present = model_->present(batch);
  const auto global_size = batch.global_batch_size();
  const auto counts = dist::shard_sizes(global_size, comm_->world_size());
  std::vector<torch::Tensor> global;
  for (const auto& e : local) {
    global.push_back(torch::GradMode::is_enabled() ? dist::gather_rows_with_grad(*comm_, e, counts)
                                                   : dist::gather_rows(*comm_, e, counts));
  }
  const auto present_global =
      dist::gather_rows(*comm_, present.to(torch::kUInt8), counts).to(torch::kBool);
  std::vector<torch::Tensor> scales;
  for (std::size_t p = 0; p < model_->pairs().size(); ++p) scales.push_back(model_->logit_scale(p));
  const auto out = model::contrastive_loss_share(local, global, present, present_global,
                                                 batch.global_offset, model_->pairs(), scales);
  StepOutput step;
  step.loss = out.total;
  step.sums["loss"] = out.total.detach();
  step.sums["batches"] =
      torch::full({}, static_cast<double>(batch.size()) /
                          static_cast<double>(std::max<std::int64_t>(1, global_size)));
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

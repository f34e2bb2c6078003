#include "astrom3/train/classifier_objective.h"

#include <torch/torch.h>

#include "astrom3/model/dropout.h"

namespace astrom3::train {

ClassifierObjective::ClassifierObjective(model::Classifier model, std::vector<double> weights,
                                         std::shared_ptr<dist::Comm> comm)
    : model_(std::move(model)), comm_(comm ? std::move(comm) : std::make_shared<dist::Comm>()) {
  if (!weights.empty()) class_weights_ = torch::tensor(weights, torch::kFloat32);
}

StepOutput ClassifierObjective::compute(const data::Batch& batch) {
  model::DropoutRowOffset dropout_rows(batch.global_offset);
  const auto logits = batch.size() > 0
                          ? model_->forward(batch).to(torch::kFloat32)
                          : torch::zeros({0, model_->num_classes()}, batch.metadata.options());
  const auto valid = model_->usable(batch).logical_and(batch.labels.ge(0));
  const auto index = valid.nonzero().squeeze(1);
  const auto labels = batch.labels.index_select(0, index);
  // Weighted mean over the global batch: sum of w_y * CE here / sum of w_y over all ranks.
  auto weight_total = class_weights_.defined()
                          ? class_weights_.to(logits.device()).index_select(0, labels).sum()
                          : valid.sum().to(torch::kFloat32);
  weight_total = weight_total.detach().to(torch::kFloat32).reshape({1});
  comm_->all_reduce(weight_total);
  StepOutput out;
  if (index.numel() == 0 || weight_total.item<double>() <= 0) {
    out.loss = logits.sum() * 0.0;  // keeps the graph; no object to learn from
  } else {
    auto options = torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum);
    if (class_weights_.defined()) options.weight(class_weights_.to(logits.device()));
    out.loss =
        torch::nn::functional::cross_entropy(logits.index_select(0, index), labels, options) /
        weight_total.squeeze(0);
  }
  const auto predicted = logits.argmax(1);
  out.sums["loss"] = out.loss.detach();
  out.sums["batches"] = torch::full(
      {}, static_cast<double>(batch.size()) /
              static_cast<double>(std::max<std::int64_t>(1, batch.global_batch_size())));
  out.sums["correct"] = predicted.eq(batch.labels).logical_and(valid).sum();
  out.sums["counted"] = valid.sum();
  return out;
}

nlohmann::json ClassifierObjective::summarize(const std::map<std::string, double>& sums) const {
  const auto get = [&](const char* key) { return sums.count(key) ? sums.at(key) : 0.0; };
  const double counted = get("counted");
  // No scored object (an empty split, or none with the classifier's modality): no metric, rather
  // than a loss of 0 that early stopping and `best` would take at face value.
  if (counted == 0) return {{"loss", nullptr}, {"accuracy", nullptr}};
  return {{"loss", get("loss") / std::max(1.0, get("batches"))},
          {"accuracy", get("correct") / counted}};
}

std::vector<double> balanced_class_weights(const std::vector<std::int32_t>& labels,
                                           const std::vector<std::int64_t>& rows,
                                           std::size_t num_classes) {
  std::vector<double> counts(num_classes, 0.0);
  double n = 0;
  for (auto r : rows) {
    const auto label = labels.at(static_cast<std::size_t>(r));
    if (label >= 0 && static_cast<std::size_t>(label) < num_classes) {
      counts[static_cast<std::size_t>(label)] += 1;
      n += 1;
    }
  }
  std::vector<double> weights(num_classes, 1.0);
  for (std::size_t c = 0; c < num_classes; ++c) {
    if (counts[c] > 0) weights[c] = n / (static_cast<double>(num_classes) * counts[c]);
  }
  return weights;
}

}  // namespace astrom3::train

#include "astrom3/train/classifier_objective.h"

#include <torch/torch.h>

namespace astrom3::train {

ClassifierObjective::ClassifierObjective(model::Classifier model, std::vector<double> weights)
    : model_(std::move(model)) {
  if (!weights.empty()) class_weights_ = torch::tensor(weights, torch::kFloat32);
}

StepOutput ClassifierObjective::compute(const data::Batch& batch) {
  const auto logits = model_->forward(batch).to(torch::kFloat32);
  const auto valid = model_->usable(batch).logical_and(batch.labels.ge(0));
  const auto index = valid.nonzero().squeeze(1);
  StepOutput out;
  if (index.numel() == 0) {
    out.loss = logits.sum() * 0.0;  // keeps the graph; no object to learn from
  } else {
    auto options = torch::nn::functional::CrossEntropyFuncOptions();
    if (class_weights_.defined()) options.weight(class_weights_.to(logits.device()));
    out.loss = torch::nn::functional::cross_entropy(logits.index_select(0, index),
                                                    batch.labels.index_select(0, index), options);
  }
  const auto predicted = logits.argmax(1);
  out.sums["loss"] = out.loss.detach();
  out.sums["batches"] = torch::ones({});
  out.sums["correct"] = predicted.eq(batch.labels).logical_and(valid).sum();
  out.sums["counted"] = valid.sum();
  return out;
}

nlohmann::json ClassifierObjective::summarize(const std::map<std::string, double>& sums) const {
  const auto get = [&](const char* key) { return sums.count(key) ? sums.at(key) : 0.0; };
  const double counted = get("counted");
  return {{"loss", get("loss") / std::max(1.0, get("batches"))},
          {"accuracy", counted > 0 ? get("correct") / counted : 0.0}};
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

// Fine-tuning objective: cross-entropy of the classifier's logits over the labelled objects
// that have the classifier's modality. Epoch metrics: loss (mean over batches, as upstream)
// and accuracy.
//
// Data parallel: each rank's loss is its share of the global batch's (weighted) mean
// cross-entropy, sum over its rows / the global weight total (one all-reduce), so that the
// shares add up to the single-process loss whatever the ranks' row counts.
#pragma once

#include <memory>
#include <vector>

#include "astrom3/dist/comm.h"
#include "astrom3/model/classifier.h"
#include "astrom3/train/objective.h"

namespace astrom3::train {

class ClassifierObjective : public Objective {
 public:
  /// `class_weights`: one weight per class, or empty for none. `comm`: the data-parallel
  /// communicator; null = a single process.
  ClassifierObjective(model::Classifier model, std::vector<double> class_weights,
                      std::shared_ptr<dist::Comm> comm = nullptr);

  torch::nn::Module& module() override { return *model_; }
  void set_precision(Precision precision) override { model_->set_precision(precision); }
  void set_step(std::uint64_t global_step) override { model_->set_sampling_step(global_step); }
  StepOutput compute(const data::Batch& batch) override;
  nlohmann::json summarize(const std::map<std::string, double>& sums) const override;

 private:
  model::Classifier model_;
  torch::Tensor class_weights_;
  std::shared_ptr<dist::Comm> comm_;
};

/// n / (classes * n_c) over the labels of `rows` (classes absent from them get weight 1).
std::vector<double> balanced_class_weights(const std::vector<std::int32_t>& labels,
                                           const std::vector<std::int64_t>& rows,
                                           std::size_t num_classes);

}  // namespace astrom3::train

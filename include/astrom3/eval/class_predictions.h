// Class probabilities of a fine-tuned classifier for every object of a sample store: what
// `evaluate` scores and `misclassified` weighs against the catalogue labels.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <torch/types.h>

#include "astrom3/data/batch_loader.h"
#include "astrom3/data/sample_store.h"
#include "astrom3/model/classifier.h"

namespace astrom3::eval {

struct ClassPredictions {
  std::vector<std::string> ids;  // [N] in store order
  torch::Tensor labels;          // [N] int64 catalogue labels, -1 = unlabelled
  torch::Tensor usable;          // [N] bool: the object has what the classifier reads
  torch::Tensor present;         // [N, M] bool: modalities the object has (after `hidden`)
  torch::Tensor logits;          // [N, C] float32 before any temperature; rows not usable are 0
  torch::Tensor probabilities;   // [N, C] float32 softmax(logits / T), on the CPU; rows not
                                 // usable are 0
};

/// Runs `classifier` in eval mode without gradients over the store in store order (centre
/// crops, as evaluation does). Modalities in `hidden` are treated as absent from every object
/// (the ablation of `evaluate --drop-modality`): objects left without any modality the
/// classifier reads are not usable. `temperature` divides the logits before the softmax
/// (eval/calibration.h).
ClassPredictions predict_classes(model::ClassifierImpl& classifier,
                                 std::shared_ptr<const data::SampleStore> store,
                                 const data::LoaderOptions& loader, const c10::Device& device,
                                 const std::vector<data::Modality>& hidden = {},
                                 double temperature = 1.0);

}  // namespace astrom3::eval

// The interface every modality encoder implements, so that the multimodal model holds a list
// of encoders instead of one hard-coded member per modality.
#pragma once

#include <cstdint>

#include <torch/nn/module.h>

#include "astrom3/data/batch.h"

namespace astrom3::model {

class ModalityEncoder : public torch::nn::Module {
 public:
  /// Features of this encoder's modality for every object of the batch: [B, output_features()].
  /// Objects without the modality get finite (meaningless) features; callers mask them.
  virtual torch::Tensor encode(const data::Batch& batch) = 0;
  virtual std::int64_t output_features() const = 0;
};

}  // namespace astrom3::model

// Metadata MLP (arXiv 2411.08842 §4; docs/model.md): Linear, ReLU, Dropout, Linear, ReLU, Dropout.
// Keys follow upstream's nn.Sequential (model.0.weight, model.3.weight).
#pragma once

#include <torch/nn/modules/container/sequential.h>

#include "astrom3/model/modality_encoder.h"
#include "astrom3/model/model_options.h"

namespace astrom3::model {

class MetadataEncoderImpl : public ModalityEncoder {
 public:
  explicit MetadataEncoderImpl(const MetadataEncoderOptions& options);
  /// x: [B, input_dim] -> [B, hidden_dim]
  torch::Tensor forward(const torch::Tensor& x) { return model_->forward(x); }
  torch::Tensor encode(const data::Batch& batch) override { return forward(batch.metadata); }
  std::int64_t output_features() const override { return hidden_; }

 private:
  torch::nn::Sequential model_{nullptr};
  std::int64_t hidden_;
};
TORCH_MODULE(MetadataEncoder);

}  // namespace astrom3::model

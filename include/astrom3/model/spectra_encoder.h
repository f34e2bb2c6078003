// GalSpecNet-style spectra CNN (arXiv 2411.08842 §4.2): [Conv1d, ReLU, MaxPool1d] for every channel
// step but the last, which is [Conv1d, ReLU]; then flatten and dropout. Keys follow upstream
// (layers.0.weight, layers.3.weight, ...: the ReLU and pooling entries hold no parameters).
#pragma once

#include <cstdint>

#include <torch/nn/modules/container/modulelist.h>
#include "astrom3/model/dropout.h"

#include "astrom3/model/modality_encoder.h"
#include "astrom3/model/model_options.h"

namespace astrom3::model {

/// Length of the CNN's output for an input of `length` points (valid convolutions, floor
/// pooling). Throws ConfigError when the stack shrinks the input to nothing.
std::int64_t spectra_output_length(const SpectraEncoderOptions& options, std::int64_t length);

class SpectraEncoderImpl : public ModalityEncoder {
 public:
  SpectraEncoderImpl(const SpectraEncoderOptions& options, std::int64_t length);
  /// x: [B, channels[0], length] -> [B, channels.back() * spectra_output_length()]
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor encode(const data::Batch& batch) override;
  std::int64_t output_features() const override { return features_; }

 private:
  torch::nn::ModuleList layers_{nullptr};
  FastDropout dropout_{nullptr};
  std::int64_t features_;
};
TORCH_MODULE(SpectraEncoder);

}  // namespace astrom3::model

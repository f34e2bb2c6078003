#include "astrom3/model/metadata_encoder.h"

#include <torch/torch.h>

#include "astrom3/model/dropout.h"

namespace astrom3::model {

MetadataEncoderImpl::MetadataEncoderImpl(const MetadataEncoderOptions& options)
    : hidden_(options.hidden_dim) {
  model_ = register_module(
      "model", torch::nn::Sequential(torch::nn::Linear(options.input_dim, options.hidden_dim),
                                     torch::nn::ReLU(), FastDropout(options.dropout),
                                     torch::nn::Linear(options.hidden_dim, options.hidden_dim),
                                     torch::nn::ReLU(), FastDropout(options.dropout)));
}

}  // namespace astrom3::model

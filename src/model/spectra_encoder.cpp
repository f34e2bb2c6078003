#include "astrom3/model/spectra_encoder.h"

#include <torch/torch.h>

#include "astrom3/common/error.h"
#include "astrom3/model/conv1d.h"

namespace astrom3::model {

std::int64_t spectra_output_length(const SpectraEncoderOptions& options, std::int64_t length) {
  std::int64_t n = length;
  const auto convs = static_cast<std::int64_t>(options.channels.size()) - 1;
  for (std::int64_t i = 0; i < convs; ++i) {
    n -= options.kernel_size - 1;
    if (i + 1 < convs) n /= options.pool_size;
    if (n < 1) {
      throw ConfigError("model.spectra: the convolution stack reduces " + std::to_string(length) +
                        " spectral points to nothing at layer " + std::to_string(i));
    }
  }
  return n;
}

SpectraEncoderImpl::SpectraEncoderImpl(const SpectraEncoderOptions& options, std::int64_t length)
    : features_(options.channels.back() * spectra_output_length(options, length)) {
  layers_ = register_module("layers", torch::nn::ModuleList());
  const auto convs = options.channels.size() - 1;
  for (std::size_t i = 0; i < convs; ++i) {
    layers_->push_back(
        torch::nn::Conv1d(options.channels[i], options.channels[i + 1], options.kernel_size));
    layers_->push_back(torch::nn::ReLU());
    if (i + 1 < convs) layers_->push_back(torch::nn::MaxPool1d(options.pool_size));
  }
  dropout_ = register_module("dropout", FastDropout(options.dropout));
}

torch::Tensor SpectraEncoderImpl::forward(const torch::Tensor& x) {
  auto h = x;
  for (const auto& layer : *layers_) {
    if (auto* conv = layer->as<torch::nn::Conv1dImpl>()) {
      h = conv1d_gemm(h, conv->weight, conv->bias);  // not conv->forward: see conv1d.h
    } else if (layer->as<torch::nn::ReLUImpl>()) {
      h = torch::relu(h);
    } else {
      h = layer->as<torch::nn::MaxPool1dImpl>()->forward(h);
    }
  }
  return dropout_(h.flatten(1));
}

torch::Tensor SpectraEncoderImpl::encode(const data::Batch& batch) {
  return forward(batch.spectra);
}

}  // namespace astrom3::model

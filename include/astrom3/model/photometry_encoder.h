// Informer-style light-curve encoder (arXiv 2411.08842 §4.1). Module and parameter names follow the
// official implementation, so that its state dict keys (e.g.
// encoder.attn_layers.0.attention.query_projection.weight) are astrom3's.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include "astrom3/model/dropout.h"

#include "astrom3/model/attention.h"
#include "astrom3/model/conv1d.h"
#include "astrom3/model/modality_encoder.h"
#include "astrom3/model/model_options.h"

namespace astrom3::model {

/// Token convolution (kernel 3, no bias) plus the fixed sinusoidal position table `pe`
/// ([1, max_len, d_model], a saved buffer as upstream), then dropout.
class DataEmbeddingImpl : public torch::nn::Module {
 public:
  explicit DataEmbeddingImpl(const PhotometryEncoderOptions& options);
  /// x: [B, L, C] -> [B, L, d_model]
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv1d token_conv_{nullptr};  // holds the weights; the product is conv1d_gemm
  ConvPadding token_padding_ = ConvPadding::kZeros;
  torch::Tensor pe_;
  FastDropout dropout_{nullptr};
};
TORCH_MODULE(DataEmbedding);

/// Post-norm encoder layer: x = LN1(x + drop(attn(x))); out = LN2(x + drop(W2 drop(act(W1 x)))).
/// The position-wise feed-forward is stored as kernel-1 convolutions ([d_ff, d_model, 1]) as
/// upstream and computed as matrix products.
class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const PhotometryEncoderOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& valid,
                        const torch::Tensor& sample_index);

 private:
  bool gelu_;
  AttentionLayer attention_{nullptr};
  torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  FastDropout dropout_{nullptr};
};
TORCH_MODULE(EncoderLayer);

class PhotometryEncoderImpl : public ModalityEncoder {
 public:
  /// `seq_len` fixes the flattened feature size (pooling = flatten).
  PhotometryEncoderImpl(const PhotometryEncoderOptions& options, std::int64_t seq_len,
                        std::uint64_t sampling_seed);

  /// x: [B, L, 9]; mask: [B, L] float (1 = observed). Returns [B, L * d_model] (flatten) or
  /// [B, d_model] (mean over observed epochs).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask);
  torch::Tensor encode(const data::Batch& batch) override;
  std::int64_t output_features() const override;

  /// Training step that selects the ProbSparse keys of the next training forward passes.
  void set_sampling_step(std::uint64_t step) { sampling_step_ = step; }
  /// Uses these keys ([L, U] per layer) for every forward pass instead (tests, golden data).
  void set_fixed_sample_index(std::vector<torch::Tensor> per_layer) {
    fixed_index_ = std::move(per_layer);
  }

 private:
  torch::Tensor sample_index(std::size_t layer, std::int64_t length) const;

  PhotometryEncoderOptions options_;
  std::int64_t seq_len_;
  std::uint64_t sampling_seed_;
  std::uint64_t sampling_step_ = 0;
  std::vector<torch::Tensor> fixed_index_;
  DataEmbedding enc_embedding_{nullptr};
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  FastDropout dropout_{nullptr};
};
TORCH_MODULE(PhotometryEncoder);

}  // namespace astrom3::model

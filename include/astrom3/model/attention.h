// Multi-head self-attention of the photometry encoder: the official AttentionLayer (four
// linear projections, key names as in the official state dict) around one of two kernels.
//
// Shapes: B batch, L sequence length, H heads, D = d_model / H.
#pragma once

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "astrom3/model/model_options.h"

namespace astrom3::model {

/// Informer's ProbSparse attention (Zhou et al. 2021), as in the official code:
/// every query scores the keys `sample_index[q, :]`; the u queries with the largest sparsity
/// measure M = max - sum / L_K get exact softmax attention over all keys, every other query
/// outputs mean(V). No mask is applied (the padding is attended to, as upstream).
/// q, k, v: [B, H, L, D]; sample_index: [L, U] int64 in [0, L). Returns the context [B, H, L, D].
torch::Tensor probsparse_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, const torch::Tensor& sample_index,
                                   std::int64_t active_queries);

/// Exact softmax attention over the valid keys. q, k, v: [B, H, L, D]; valid: [B, L] bool
/// (true = observed epoch) or undefined (all valid). Returns the context [B, H, L, D].
torch::Tensor full_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& valid);

/// u = factor * ceil(ln L), capped at L: the active queries and the keys sampled per query.
std::int64_t probsparse_count(std::int64_t factor, std::int64_t length);

/// Keys sampled per query, uniformly with replacement, from a portable generator: [L, U] int64.
torch::Tensor probsparse_sample_index(std::int64_t length, std::int64_t samples,
                                      std::uint64_t seed);

struct AttentionLayerOptions {
  std::int64_t d_model = 128;
  std::int64_t heads = 4;
  AttentionKind kind = AttentionKind::kProbSparse;
  std::int64_t factor = 1;
  bool official_layout = true;  // see PhotometryEncoderOptions::probsparse_official_layout
};

class AttentionLayerImpl : public torch::nn::Module {
 public:
  explicit AttentionLayerImpl(const AttentionLayerOptions& options);

  /// x: [B, L, d_model]; valid: [B, L] bool (full attention only); sample_index: [L, U]
  /// (ProbSparse only). Returns [B, L, d_model].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& valid,
                        const torch::Tensor& sample_index);

  const AttentionLayerOptions& options() const { return options_; }

 private:
  AttentionLayerOptions options_;
  torch::nn::Linear query_projection{nullptr}, key_projection{nullptr}, value_projection{nullptr},
      out_projection{nullptr};
};
TORCH_MODULE(AttentionLayer);

}  // namespace astrom3::model

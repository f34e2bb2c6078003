#include "astrom3/model/photometry_encoder.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"

namespace astrom3::model {
namespace {

// A parameterless module that only groups children, so that parameter names nest as upstream.
std::shared_ptr<torch::nn::Module> group(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>(name));
}

torch::Tensor sinusoidal_table(std::int64_t max_len, std::int64_t d_model) {
  auto pe = torch::zeros({max_len, d_model});
  const auto position = torch::arange(0, max_len, torch::kFloat32).unsqueeze(1);
  const auto div = (torch::arange(0, d_model, 2, torch::kFloat32) *
                    static_cast<float>(-std::log(10000.0) / static_cast<double>(d_model)))
                       .exp();
  using torch::indexing::None;
  using torch::indexing::Slice;
  pe.index_put_({Slice(), Slice(0, None, 2)}, torch::sin(position * div));
  pe.index_put_({Slice(), Slice(1, None, 2)}, torch::cos(position * div));
  return pe.unsqueeze(0);
}

}  // namespace

DataEmbeddingImpl::DataEmbeddingImpl(const PhotometryEncoderOptions& options) {
  auto value = group(*this, "value_embedding");
  auto conv =
      torch::nn::Conv1dOptions(options.input_channels, options.d_model, 3).padding(1).bias(false);
  if (options.token_padding == TokenPadding::kCircular) {
    conv.padding_mode(torch::kCircular);
    token_padding_ = ConvPadding::kCircular;
  }
  token_conv_ = value->register_module("tokenConv", torch::nn::Conv1d(conv));
  // Upstream initialises the token convolution with Kaiming-normal (fan_in, leaky_relu).
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(token_conv_->weight, 0.0, torch::kFanIn, torch::kLeakyReLU);
  auto position = group(*this, "position_embedding");
  pe_ = position->register_buffer("pe", sinusoidal_table(options.max_len, options.d_model));
  dropout_ = register_module("dropout", FastDropout(options.embedding_dropout));
}

torch::Tensor DataEmbeddingImpl::forward(const torch::Tensor& x) {
  // The module holds the weights (upstream's keys and initialisation); conv1d.h says why the
  // product is not token_conv_->forward.
  const auto tokens =
      conv1d_gemm(x.transpose(1, 2), token_conv_->weight, {}, 1, token_padding_).transpose(1, 2);
  using torch::indexing::Slice;
  return dropout_(tokens + pe_.index({Slice(), Slice(0, x.size(1))}));
}

EncoderLayerImpl::EncoderLayerImpl(const PhotometryEncoderOptions& options)
    : gelu_(options.activation == Activation::kGelu) {
  AttentionLayerOptions a;
  a.d_model = options.d_model;
  a.heads = options.heads;
  a.kind = options.attention;
  a.factor = options.probsparse_factor;
  a.official_layout = options.probsparse_official_layout;
  attention_ = register_module("attention", AttentionLayer(a));
  conv1_ = register_module("conv1", torch::nn::Conv1d(options.d_model, options.d_ff, 1));
  conv2_ = register_module("conv2", torch::nn::Conv1d(options.d_ff, options.d_model, 1));
  norm1_ =
      register_module("norm1", torch::nn::LayerNorm(std::vector<std::int64_t>{options.d_model}));
  norm2_ =
      register_module("norm2", torch::nn::LayerNorm(std::vector<std::int64_t>{options.d_model}));
  dropout_ = register_module("dropout", FastDropout(options.dropout));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& valid,
                                        const torch::Tensor& sample_index) {
  const auto h = norm1_(x + dropout_(attention_(x, valid, sample_index)));
  auto y = torch::linear(h, conv1_->weight.squeeze(-1), conv1_->bias);
  y = dropout_(gelu_ ? torch::gelu(y) : torch::relu(y));
  y = dropout_(torch::linear(y, conv2_->weight.squeeze(-1), conv2_->bias));
  return norm2_(h + y);
}

PhotometryEncoderImpl::PhotometryEncoderImpl(const PhotometryEncoderOptions& options,
                                             std::int64_t seq_len, std::uint64_t sampling_seed)
    : options_(options), seq_len_(seq_len), sampling_seed_(sampling_seed) {
  if (seq_len > options.max_len) {
    throw ConfigError("data.seq_len (" + std::to_string(seq_len) +
                      ") exceeds model.photometry.max_len (" + std::to_string(options.max_len) +
                      ")");
  }
  enc_embedding_ = register_module("enc_embedding", DataEmbedding(options));
  auto encoder = group(*this, "encoder");
  layers_ = encoder->register_module("attn_layers", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < options.layers; ++i) layers_->push_back(EncoderLayer(options));
  norm_ = encoder->register_module(
      "norm", torch::nn::LayerNorm(std::vector<std::int64_t>{options.d_model}));
  dropout_ = register_module("dropout", FastDropout(options.dropout));
}

std::int64_t PhotometryEncoderImpl::output_features() const {
  return options_.pooling == Pooling::kFlatten ? seq_len_ * options_.d_model : options_.d_model;
}

torch::Tensor PhotometryEncoderImpl::sample_index(std::size_t layer, std::int64_t length) const {
  if (options_.attention == AttentionKind::kFull) return {};
  if (!fixed_index_.empty()) return fixed_index_.at(layer);
  // Evaluation draws from a key no training step uses, so inference is deterministic.
  const std::uint64_t step =
      is_training() ? sampling_step_ : std::numeric_limits<std::uint64_t>::max();
  return probsparse_sample_index(length, probsparse_count(options_.probsparse_factor, length),
                                 derive_seed(sampling_seed_, {step, layer}));
}

torch::Tensor PhotometryEncoderImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options_.input_channels, "photometry must be [B, L, ",
              options_.input_channels, "], got ", x.sizes());
  TORCH_CHECK(options_.pooling != Pooling::kFlatten || x.size(1) == seq_len_,
              "flatten pooling needs sequences of length ", seq_len_, ", got ", x.size(1));
  const auto valid = mask.to(torch::kBool);
  auto h = enc_embedding_(x);
  for (std::size_t i = 0; i < layers_->size(); ++i) {
    h = layers_[i]->as<EncoderLayerImpl>()->forward(h, valid, sample_index(i, x.size(1)));
  }
  h = dropout_(norm_(h)) * mask.unsqueeze(-1).to(h.dtype());  // zero the padded epochs
  if (options_.pooling == Pooling::kFlatten) return h.reshape({h.size(0), -1});
  return h.sum(1) / mask.sum(1, /*keepdim=*/true).clamp_min(1.0).to(h.dtype());
}

torch::Tensor PhotometryEncoderImpl::encode(const data::Batch& batch) {
  return forward(batch.photometry, batch.photometry_mask);
}

}  // namespace astrom3::model

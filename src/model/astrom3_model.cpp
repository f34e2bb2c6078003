#include "astrom3/model/astrom3_model.h"

#include <torch/torch.h>

#include <cmath>

#include "astrom3/common/error.h"
#include "astrom3/common/torch_compat.h"
#include "astrom3/model/inference_chunks.h"
#include "astrom3/model/photometry_encoder.h"

namespace astrom3::model {

std::vector<ModalityPair> modality_pairs(const std::vector<data::Modality>& modalities) {
  const std::size_t n = modalities.size();
  std::vector<ModalityPair> pairs;
  for (std::size_t d = 1; d <= n / 2; ++d) {
    // At d = n/2 (even n) the ring visits each pair twice; keep the first visit.
    const std::size_t starts = (2 * d == n) ? n / 2 : n;
    for (std::size_t i = 0; i < starts; ++i) {
      const std::size_t j = (i + d) % n;
      pairs.push_back(
          {i, j, std::string{modality_letter(modalities[i]), modality_letter(modalities[j])}});
    }
  }
  return pairs;
}

AstroM3ModelImpl::AstroM3ModelImpl(const ModelOptions& options)
    : options_(options), modalities_(parse_modalities(options.modalities)) {
  if (modalities_.size() < 2) throw ConfigError("model.modalities needs at least two modalities");
  pairs_ = modality_pairs(modalities_);
  for (auto m : modalities_) {
    const std::string name = modality_name(m);
    auto encoder = make_encoder(m, options);
    encoders_.push_back(register_module(name + "_encoder", encoder));
    projections_.push_back(register_module(
        name + "_proj", torch::nn::Linear(encoder->output_features(), options.embedding_dim)));
  }
  const auto init = static_cast<float>(std::log(options.logit_scale_init));
  for (const auto& pair : pairs_) {
    logit_scales_.push_back(
        register_parameter("logit_scale_" + pair.key, torch::full({}, init, torch::kFloat32)));
  }
}

std::vector<torch::Tensor> AstroM3ModelImpl::features(const data::Batch& batch) {
  std::vector<torch::Tensor> out;
  out.reserve(encoders_.size());
  for (auto& e : encoders_) out.push_back(e->encode(batch));
  return out;
}

std::vector<torch::Tensor> AstroM3ModelImpl::project(const std::vector<torch::Tensor>& features) {
  std::vector<torch::Tensor> out;
  out.reserve(features.size());
  for (std::size_t i = 0; i < features.size(); ++i) {
    // A bf16 projection is normalised in float32: the loss's logits are s * cos in [-s, s],
    // where bf16's 8-bit mantissa would cost up to 0.4 at s = 100.
    const auto e = projections_[i](features[i]).to(torch::kFloat32);
    out.push_back(e / e.norm(2, {-1}, /*keepdim=*/true));
  }
  return out;
}

std::vector<torch::Tensor> AstroM3ModelImpl::embed(const data::Batch& batch) {
  AutocastScope autocast(batch.present.device().type(), precision_ == Precision::kBf16);
  return forward_in_chunks(batch, inference_chunk_rows(batch, precision_),
                           [this](const data::Batch& b) { return project(features(b)); });
}

torch::Tensor AstroM3ModelImpl::present(const data::Batch& batch) const {
  std::vector<std::int64_t> columns(modalities_.begin(), modalities_.end());
  return batch.present.index_select(
      1, torch::tensor(columns, torch::kInt64).to(batch.present.device()));
}

torch::Tensor AstroM3ModelImpl::logit_scale(std::size_t pair) const {
  const auto& s = logit_scales_.at(pair);
  const double max = options_.logit_scale_max;
  if (options_.logit_scale_clamp == LogitScaleClamp::kLog)
    return s.clamp(0.0f, static_cast<float>(std::log(max))).exp();
  return s.exp().clamp(1.0, max);
}

void AstroM3ModelImpl::set_sampling_step(std::uint64_t step) {
  for (std::size_t i = 0; i < modalities_.size(); ++i) {
    if (modalities_[i] == data::kPhotometry) {
      std::static_pointer_cast<PhotometryEncoderImpl>(encoders_[i])->set_sampling_step(step);
    }
  }
}

AstroM3Model make_model(const ModelOptions& options, std::uint64_t init_seed) {
  torch::manual_seed(init_seed);
  return AstroM3Model(options);
}

}  // namespace astrom3::model

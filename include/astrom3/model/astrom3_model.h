// The multimodal AstroM³ model (arXiv 2411.08842 §4; docs/model.md): per modality an encoder and a
// linear projection to a shared embedding space, L2-normalised, and one learnable logit scale per
// pair of modalities. The modalities are a list, so that a fourth one is a new encoder, not a
// rewrite. State dict keys equal the official implementation's: <modality>_encoder.*,
// <modality>_proj.{weight,bias}, logit_scale_<pair> with pairs ps, sm, mp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/modules/linear.h>

#include "astrom3/common/precision.h"
#include "astrom3/data/batch.h"
#include "astrom3/data/sample_store.h"
#include "astrom3/model/modality_encoder.h"
#include "astrom3/model/model_options.h"

namespace astrom3::model {

/// Two modalities of the model (indices into its modality list) and the key of their scale.
struct ModalityPair {
  std::size_t a, b;
  std::string key;  // letters of a and b, e.g. "ps"
};

/// Every unordered pair once: by distance d = 1, 2, ... around the ring of modalities, so that
/// three modalities give (0,1), (1,2), (2,0) = ps, sm, mp as upstream.
std::vector<ModalityPair> modality_pairs(const std::vector<data::Modality>& modalities);

class AstroM3ModelImpl : public torch::nn::Module {
 public:
  explicit AstroM3ModelImpl(const ModelOptions& options);

  const ModelOptions& options() const { return options_; }
  const std::vector<data::Modality>& modalities() const { return modalities_; }
  const std::vector<ModalityPair>& pairs() const { return pairs_; }
  ModalityEncoder& encoder(std::size_t i) { return *encoders_.at(i); }
  torch::nn::Linear& projection(std::size_t i) { return projections_.at(i); }

  /// The precision of embed() (common/precision.h); fp32 unless set. Weights stay float32.
  void set_precision(Precision precision) { precision_ = precision; }
  Precision precision() const { return precision_; }

  /// Raw encoder features, one [B, F_i] tensor per modality, in the dtype the autocast state
  /// of the caller gives (bf16 features inside an autocast region).
  std::vector<torch::Tensor> features(const data::Batch& batch);
  /// Projects features and L2-normalises in float32: one [B, embedding_dim] float32 tensor per
  /// modality.
  std::vector<torch::Tensor> project(const std::vector<torch::Tensor>& features);
  /// features then project, at the compute precision: [B, embedding_dim] float32 per modality.
  /// Without gradients on the CPU, in cache-sized row chunks (model/inference_chunks.h).
  std::vector<torch::Tensor> embed(const data::Batch& batch);
  /// [B, modalities] bool: which of the model's modalities each object has.
  torch::Tensor present(const data::Batch& batch) const;

  /// The clamped scale (0-d) of pair p, as the loss uses it.
  torch::Tensor logit_scale(std::size_t pair) const;
  torch::Tensor raw_logit_scale(std::size_t pair) const { return logit_scales_.at(pair); }

  /// Selects the ProbSparse keys of the next training steps (no effect without photometry).
  void set_sampling_step(std::uint64_t step);

 private:
  ModelOptions options_;
  std::vector<data::Modality> modalities_;
  std::vector<ModalityPair> pairs_;
  std::vector<std::shared_ptr<ModalityEncoder>> encoders_;
  std::vector<torch::nn::Linear> projections_;
  std::vector<torch::Tensor> logit_scales_;
  Precision precision_ = Precision::kFp32;
};
TORCH_MODULE(AstroM3Model);

/// Builds the model with weights drawn from `init_seed` (LibTorch's default initialisers, as
/// upstream, seeded so that the same seed gives the same initial weights).
AstroM3Model make_model(const ModelOptions& options, std::uint64_t init_seed);

}  // namespace astrom3::model

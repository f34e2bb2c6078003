// The fine-tuning classifier (arXiv 2411.08842 §5). Single-modality modes put a fresh linear head
// `fc` on one encoder's raw features (upstream drops the CLIP projection there); `all` encodes
// every modality and fuses over the modalities each object has (ClassifierOptions::fusion,
// docs/fusion.md): avg and weighted project, L2-normalise, average (weighted: after a learnable
// per-modality scale `fusion_weight`) and apply `fc`; concat applies one head per modality,
// fc_<modality>, to that encoder's raw features and sums the logits. Encoders and projections
// keep the CLIP model's names (<modality>_encoder.*, <modality>_proj.*), so initialising from a
// CLIP checkpoint is a copy of the keys the classifier has.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <torch/nn/modules/linear.h>

#include "astrom3/common/precision.h"
#include "astrom3/data/batch.h"
#include "astrom3/io/safetensors.h"
#include "astrom3/model/modality_encoder.h"
#include "astrom3/model/model_options.h"

namespace astrom3::model {

class ClassifierImpl : public torch::nn::Module {
 public:
  ClassifierImpl(const ModelOptions& model, const ClassifierOptions& options,
                 std::int64_t num_classes);

  /// Logits [B, num_classes], float32 at either precision (without gradients on the CPU, in
  /// cache-sized row chunks: model/inference_chunks.h). In training, `all` hides modalities of
  /// each object from the fusion with probability options.modality_dropout (masks from
  /// model::fast_dropout, so that they follow torch::manual_seed and the data-parallel row offset).
  torch::Tensor forward(const data::Batch& batch);
  /// The precision of forward() (common/precision.h); fp32 unless set. Weights stay float32.
  void set_precision(Precision precision) { precision_ = precision; }
  Precision precision() const { return precision_; }
  /// [B] bool: objects the classifier can score (they have its modality; in `all`, any).
  torch::Tensor usable(const data::Batch& batch) const;

  /// Copies the encoder (and, in `all`, projection) weights of a CLIP state dict. Every key of
  /// those modules must be present with the same shape; a DataError naming `source` and the
  /// keys otherwise, also for non-finite values (io::check_finite), and nothing is copied then.
  /// The head stays as initialised. Returns the number of tensors copied.
  std::size_t load_clip_weights(const io::TensorMap& clip, const std::string& source);

  /// Freezes (requires_grad = false) the encoders; the head and projections stay trainable.
  void freeze_encoders();
  void set_sampling_step(std::uint64_t step);

  const ClassifierOptions& options() const { return options_; }
  std::int64_t num_classes() const { return num_classes_; }
  const std::vector<data::Modality>& modalities() const { return modalities_; }

 private:
  /// [B, modalities] bool: the modalities the fusion uses for each object (the present ones,
  /// thinned by modality dropout in training).
  torch::Tensor fusion_mask(const data::Batch& batch);
  torch::Tensor fuse_embeddings(const data::Batch& batch, const torch::Tensor& mask);
  torch::Tensor fuse_heads(const data::Batch& batch, const torch::Tensor& mask);

  ModelOptions model_options_;
  ClassifierOptions options_;
  std::int64_t num_classes_;
  std::vector<data::Modality> modalities_;
  std::vector<std::shared_ptr<ModalityEncoder>> encoders_;
  std::vector<torch::nn::Linear> projections_;  // `all` with avg or weighted fusion
  std::vector<torch::nn::Linear> heads_;        // `all` with concat fusion: fc_<modality>
  torch::Tensor fusion_weight_;                 // [modalities], weighted fusion
  torch::nn::Linear fc_{nullptr};               // single modality, avg, weighted
  Precision precision_ = Precision::kFp32;
};
TORCH_MODULE(Classifier);

}  // namespace astrom3::model

// Embeddings of every object of a sample store under a CLIP model, batch by batch.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <torch/types.h>

#include "astrom3/data/batch_loader.h"
#include "astrom3/data/sample_store.h"
#include "astrom3/model/astrom3_model.h"

namespace astrom3::eval {

/// One batch of embeddings, on the CPU.
struct EmbeddingBatch {
  std::vector<torch::Tensor> modalities;  // [B, E] each, L2-normalised, model.modalities() order
  torch::Tensor fused;                    // [B, E]: mean over the modalities the object has
  torch::Tensor present;                  // [B, M] bool
  torch::Tensor labels;                   // [B] int64, -1 = unlabelled
  torch::Tensor rows;                     // [B] survey rows
  std::vector<std::string> ids;
};

/// Runs the model in eval mode without gradients over the store in store order (centre crops)
/// and hands each batch to `sink`. Deterministic: the same inputs give the same bytes.
void for_each_embedding_batch(model::AstroM3ModelImpl& model,
                              std::shared_ptr<const data::SampleStore> store,
                              const data::LoaderOptions& loader, const c10::Device& device,
                              const std::function<void(const EmbeddingBatch&)>& sink);

/// All batches concatenated.
EmbeddingBatch compute_embeddings(model::AstroM3ModelImpl& model,
                                  std::shared_ptr<const data::SampleStore> store,
                                  const data::LoaderOptions& loader, const c10::Device& device);

}  // namespace astrom3::eval

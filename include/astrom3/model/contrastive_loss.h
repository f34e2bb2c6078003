// The trimodal CLIP loss (arXiv 2411.08842 §4; docs/model.md "Loss"), generalised to any number of
// modalities and to objects that lack some of them: for every pair (a, b),
//   L_ab = CE(s_ab * E_a E_b^T, diag) + CE((s_ab * E_a E_b^T)^T, diag),
// each cross-entropy averaged over the objects that have both a and b (rows and columns of
// other objects are excluded); the total is the plain sum over pairs, as upstream.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "astrom3/model/astrom3_model.h"

namespace astrom3::model {

struct ContrastiveOutput {
  torch::Tensor total;               // 0-d
  std::vector<torch::Tensor> pairs;  // 0-d per pair, in model.pairs() order
  torch::Tensor retrieval_correct;   // 0-d int64, see below
  torch::Tensor retrieval_counted;   // 0-d int64
};

/// embeddings: one [B, E] L2-normalised tensor per modality; present: [B, M] bool;
/// scales: the clamped scale of each pair.
///
/// In-batch retrieval accuracy (upstream's CLIP "accuracy", used for model selection): average
/// (softmax(L) + softmax(L^T)) / 2 over the pairs and count the objects whose own index has the
/// highest probability, among objects that have every modality.
ContrastiveOutput contrastive_loss(const std::vector<torch::Tensor>& embeddings,
                                   const torch::Tensor& present,
                                   const std::vector<ModalityPair>& pairs,
                                   const std::vector<torch::Tensor>& scales);

/// One rank's share of the loss of a global batch of G objects of which it holds rows
/// [offset, offset + B) ("local loss" with gathered columns): `local` are its [B, E]
/// embeddings, `global` the [G, E] embeddings of all ranks (local rows included, at `offset`),
/// `present_local` [B, M] and `present_global` [G, M]. For each pair it computes the rows of
/// E_a E_b^T and of E_b E_a^T that belong to its objects against all G columns, so
///   sum over ranks of total = contrastive_loss(global, present_global, ...).total
/// and likewise for each pair's loss and the retrieval counts. With the gradient of `global`
/// flowing back to its owners (dist::gather_rows_with_grad) and summed over ranks, the
/// gradient of the summed shares is the single-process gradient of the global batch.
/// contrastive_loss() above is the share of the only rank (local = global, offset 0).
ContrastiveOutput contrastive_loss_share(const std::vector<torch::Tensor>& local,
                                         const std::vector<torch::Tensor>& global,
                                         const torch::Tensor& present_local,
                                         const torch::Tensor& present_global, std::int64_t offset,
                                         const std::vector<ModalityPair>& pairs,
                                         const std::vector<torch::Tensor>& scales);

/// Convenience: the loss of `model` on embeddings it produced for `batch`.
ContrastiveOutput contrastive_loss(AstroM3ModelImpl& model,
                                   const std::vector<torch::Tensor>& embeddings,
                                   const data::Batch& batch);

}  // namespace astrom3::model

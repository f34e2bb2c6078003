#include "astrom3/model/contrastive_loss.h"

#include <torch/torch.h>

namespace astrom3::model {
namespace {

// Excluded entries get a logit so low that exp() underflows to exactly 0 in float32.
constexpr double kExcluded = -1.0e4;

}  // namespace

ContrastiveOutput contrastive_loss_share(const std::vector<torch::Tensor>& local,
                                         const std::vector<torch::Tensor>& global,
                                         const torch::Tensor& present_local,
                                         const torch::Tensor& present_global, std::int64_t offset,
                                         const std::vector<ModalityPair>& pairs,
                                         const std::vector<torch::Tensor>& scales) {
  ContrastiveOutput out;
  const auto B = local.at(0).size(0);
  const auto device = local[0].device();
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64).device(device);
  // Column of each local object's own entry in the [B, G] logit rows.
  const auto own = torch::arange(offset, offset + B, i64);
  torch::Tensor probability =
      torch::zeros({B, global.at(0).size(0)}, torch::TensorOptions().device(device));
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const auto& pair = pairs[p];
    const auto a = static_cast<std::int64_t>(pair.a);
    const auto b = static_cast<std::int64_t>(pair.b);
    const auto valid_local = present_local.select(1, a).logical_and(present_local.select(1, b));
    const auto valid_global = present_global.select(1, a).logical_and(present_global.select(1, b));
    const auto keep = valid_local.unsqueeze(1).logical_and(valid_global.unsqueeze(0));
    // rows: the local rows of L = s E_a E_b^T; cols: the local rows of L^T = s E_b E_a^T.
    const auto rows = (scales[p] * torch::matmul(local[pair.a], global[pair.b].t()))
                          .to(torch::kFloat32)
                          .masked_fill(keep.logical_not(), kExcluded);
    const auto cols = (scales[p] * torch::matmul(local[pair.b], global[pair.a].t()))
                          .to(torch::kFloat32)
                          .masked_fill(keep.logical_not(), kExcluded);
    const auto diag = rows.gather(1, own.unsqueeze(1)).squeeze(1);
    const auto row_ce = torch::logsumexp(rows, 1) - diag;
    const auto col_ce = torch::logsumexp(cols, 1) - diag;
    const auto weight = valid_local.to(torch::kFloat32);
    const auto n = valid_global.to(torch::kFloat32).sum().clamp_min(1.0);
    out.pairs.push_back(((row_ce * weight).sum() + (col_ce * weight).sum()) / n);
    {
      torch::NoGradGuard no_grad;
      probability += (torch::softmax(rows.detach(), 1) + torch::softmax(cols.detach(), 1)) / 2;
    }
  }
  out.total = out.pairs.at(0);
  for (std::size_t p = 1; p < out.pairs.size(); ++p) out.total = out.total + out.pairs[p];
  {
    torch::NoGradGuard no_grad;
    const auto complete = present_local.all(1);
    const auto hit = std::get<1>(probability.max(1)) == own;
    out.retrieval_correct = hit.logical_and(complete).sum();
    out.retrieval_counted = complete.sum();
  }
  return out;
}

ContrastiveOutput contrastive_loss(const std::vector<torch::Tensor>& embeddings,
                                   const torch::Tensor& present,
                                   const std::vector<ModalityPair>& pairs,
                                   const std::vector<torch::Tensor>& scales) {
  return contrastive_loss_share(embeddings, embeddings, present, present, 0, pairs, scales);
}

ContrastiveOutput contrastive_loss(AstroM3ModelImpl& model,
                                   const std::vector<torch::Tensor>& embeddings,
                                   const data::Batch& batch) {
  std::vector<torch::Tensor> scales;
  for (std::size_t p = 0; p < model.pairs().size(); ++p) scales.push_back(model.logit_scale(p));
  return contrastive_loss(embeddings, model.present(batch), model.pairs(), scales);
}

}  // namespace astrom3::model

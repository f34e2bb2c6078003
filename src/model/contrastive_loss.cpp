#include "astrom3/model/contrastive_loss.h"

#include <torch/torch.h>

namespace astrom3::model {
namespace {

// Excluded entries get a logit so low that exp() underflows to exactly 0 in float32.
constexpr double kExcluded = -1.0e4;

}  // namespace

ContrastiveOutput contrastive_loss(const std::vector<torch::Tensor>& embeddings,
                                   const torch::Tensor& present,
                                   const std::vector<ModalityPair>& pairs,
                                   const std::vector<torch::Tensor>& scales) {
  ContrastiveOutput out;
  const auto B = embeddings.at(0).size(0);
  const auto device = embeddings[0].device();
  torch::Tensor probability = torch::zeros({B, B}, torch::TensorOptions().device(device));
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const auto& pair = pairs[p];
    const auto valid = present.select(1, static_cast<std::int64_t>(pair.a))
                           .logical_and(present.select(1, static_cast<std::int64_t>(pair.b)));
    const auto keep = valid.unsqueeze(1).logical_and(valid.unsqueeze(0));
    const auto logits =
        (scales[p] * torch::matmul(embeddings[pair.a], embeddings[pair.b].t())).to(torch::kFloat32);
    const auto masked = logits.masked_fill(keep.logical_not(), kExcluded);
    const auto diag = masked.diagonal();
    const auto row_ce = torch::logsumexp(masked, 1) - diag;
    const auto col_ce = torch::logsumexp(masked, 0) - diag;
    const auto weight = valid.to(torch::kFloat32);
    const auto n = weight.sum().clamp_min(1.0);
    out.pairs.push_back(((row_ce * weight).sum() + (col_ce * weight).sum()) / n);
    {
      torch::NoGradGuard no_grad;
      probability +=
          (torch::softmax(masked.detach(), 1) + torch::softmax(masked.detach().t(), 1)) / 2;
    }
  }
  out.total = out.pairs.at(0);
  for (std::size_t p = 1; p < out.pairs.size(); ++p) out.total = out.total + out.pairs[p];
  {
    torch::NoGradGuard no_grad;
    const auto complete = present.all(1);
    const auto hit = std::get<1>(probability.max(1)) ==
                     torch::arange(B, torch::TensorOptions().dtype(torch::kInt64).device(device));
    out.retrieval_correct = hit.logical_and(complete).sum();
    out.retrieval_counted = complete.sum();
  }
  return out;
}

ContrastiveOutput contrastive_loss(AstroM3ModelImpl& model,
                                   const std::vector<torch::Tensor>& embeddings,
                                   const data::Batch& batch) {
  std::vector<torch::Tensor> scales;
  for (std::size_t p = 0; p < model.pairs().size(); ++p) scales.push_back(model.logit_scale(p));
  return contrastive_loss(embeddings, model.present(batch), model.pairs(), scales);
}

}  // namespace astrom3::model

#include "astrom3/model/attention.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "astrom3/common/rng.h"
#include "astrom3/common/torch_compat.h"

namespace astrom3::model {

std::int64_t probsparse_count(std::int64_t factor, std::int64_t length) {
  const auto u =
      factor * static_cast<std::int64_t>(std::ceil(std::log(static_cast<double>(length))));
  return std::min(u, length);
}

torch::Tensor probsparse_sample_index(std::int64_t length, std::int64_t samples,
                                      std::uint64_t seed) {
  auto index = torch::empty({length, samples}, torch::kInt64);
  auto* p = index.data_ptr<std::int64_t>();
  Rng rng(seed);
  for (std::int64_t i = 0; i < length * samples; ++i) p[i] = rng.integer(0, length - 1);
  return index;
}

torch::Tensor probsparse_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, const torch::Tensor& sample_index,
                                   std::int64_t active_queries) {
  const auto B = q.size(0), H = q.size(1), L = q.size(2), D = q.size(3);
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  // All query-key products in one matmul; the sampled ones pick the active queries (the
  // selection is discrete, so no gradient flows through M) and the active rows are the scores.
  const auto qk = torch::matmul(q, k.transpose(-2, -1));  // [B, H, L, L]
  torch::Tensor top;                                      // [B, H, u]
  {
    torch::NoGradGuard no_grad;
    const auto index = sample_index.to(q.device())
                           .unsqueeze(0)
                           .unsqueeze(0)
                           .expand({B, H, L, sample_index.size(1)});
    const auto sampled = qk.detach().gather(-1, index);  // [B, H, L, U]
    const auto sparsity = std::get<0>(sampled.max(-1)) - sampled.sum(-1) / static_cast<double>(L);
    top = std::get<1>(sparsity.topk(active_queries, -1, /*largest=*/true, /*sorted=*/false));
  }
  const auto rows = top.unsqueeze(-1);
  const auto scores = qk.gather(2, rows.expand({B, H, active_queries, L})) * scale;
  const auto updates = torch::matmul(torch::softmax(scores, -1), v);  // [B, H, u, D]
  const auto lazy = v.mean(-2, /*keepdim=*/true).expand({B, H, L, D});
  return lazy.scatter(2, rows.expand({B, H, active_queries, D}), updates.to(lazy.dtype()));
}

torch::Tensor full_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& valid) {
  torch::Tensor mask;  // [B, 1, 1, L] bool, true = attend
  if (valid.defined()) {
    // An object without photometry has no valid epoch; let it attend everywhere so that the
    // softmax stays finite (its embedding is excluded from every loss).
    const auto none = valid.logical_not().all(-1, /*keepdim=*/true);
    mask = valid.logical_or(none).unsqueeze(1).unsqueeze(1);
  }
#if ASTROM3_TORCH_AT_LEAST(2, 0)
  return at::scaled_dot_product_attention(
      q, k, v, mask.defined() ? c10::optional<at::Tensor>(mask) : c10::nullopt);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = torch::matmul(q, k.transpose(-2, -1)) * scale;
  if (mask.defined()) {
    scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
  }
  return torch::matmul(torch::softmax(scores, -1), v);
#endif
}

AttentionLayerImpl::AttentionLayerImpl(const AttentionLayerOptions& options) : options_(options) {
  TORCH_CHECK(options.d_model % options.heads == 0, "d_model (", options.d_model,
              ") must be divisible by heads (", options.heads, ")");
  const auto d = options.d_model;
  query_projection = register_module("query_projection", torch::nn::Linear(d, d));
  key_projection = register_module("key_projection", torch::nn::Linear(d, d));
  value_projection = register_module("value_projection", torch::nn::Linear(d, d));
  out_projection = register_module("out_projection", torch::nn::Linear(d, d));
}

torch::Tensor AttentionLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& valid,
                                          const torch::Tensor& sample_index) {
  const auto B = x.size(0), L = x.size(1), H = options_.heads;
  auto split = [&](const torch::Tensor& t) { return t.view({B, L, H, -1}).transpose(1, 2); };
  const auto q = split(query_projection(x));
  const auto k = split(key_projection(x));
  const auto v = split(value_projection(x));
  torch::Tensor merged;  // [B, L, d_model]
  if (options_.kind == AttentionKind::kFull) {
    merged = full_attention(q, k, v, valid).transpose(1, 2).reshape({B, L, -1});
  } else {
    const auto context =
        probsparse_attention(q, k, v, sample_index, probsparse_count(options_.factor, L));
    merged = options_.official_layout ? context.contiguous().view({B, L, -1})
                                      : context.transpose(1, 2).reshape({B, L, -1});
  }
  return out_projection(merged);
}

}  // namespace astrom3::model

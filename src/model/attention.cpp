#include "astrom3/model/attention.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
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

namespace {

// M = max_j s_j - sum_j s_j / L over the sampled scores s_j = q_l . k_{index[l, j]}: [B, H, L].
// On CPU a direct loop over the L x U sampled dot products, parallel over (batch, head): every
// (b, h) reads its queries and keys once (25 KB at paper shapes, cache-resident), where a batched
// product of all L x L scores runs one small BLAS call per head (7 GFLOP/s here) and gathering
// the key rows moves L x U x D values. Elsewhere (GPUs) the batched product.
torch::Tensor sparsity_measure(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& sample_index) {
  const auto B = q.size(0), H = q.size(1), L = q.size(2), D = q.size(3);
  const auto U = sample_index.size(1);
  if (q.device().is_cpu() && q.scalar_type() == torch::kBFloat16) {
    // bf16 queries and keys (mixed precision) are scored in float32 by the loop below.
    return sparsity_measure(q.to(torch::kFloat32), k.to(torch::kFloat32), sample_index);
  }
  if (!q.device().is_cpu() || q.scalar_type() != torch::kFloat32) {
    const auto qk = torch::matmul(q, k.transpose(-2, -1));  // [B, H, L, L]
    const auto index = sample_index.to(q.device()).unsqueeze(0).unsqueeze(0).expand({B, H, L, U});
    const auto sampled = qk.gather(-1, index);  // [B, H, L, U]
    return std::get<0>(sampled.max(-1)) - sampled.sum(-1) / static_cast<double>(L);
  }
  const auto qc = q.contiguous();
  const auto kc = k.contiguous();
  const auto idx = sample_index.to(torch::kInt64).contiguous();
  TORCH_CHECK(
      idx.size(0) == L && idx.min().item<std::int64_t>() >= 0 && idx.max().item<std::int64_t>() < L,
      "ProbSparse sample index must be [L, U] with values in [0, L)");
  auto out = torch::empty({B, H, L}, q.options());
  const float* qp = qc.data_ptr<float>();
  const float* kp = kc.data_ptr<float>();
  const std::int64_t* ip = idx.data_ptr<std::int64_t>();
  float* op = out.data_ptr<float>();
  const auto length = static_cast<float>(L);
  at::parallel_for(0, B * H, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t bh = begin; bh < end; ++bh) {
      const float* qh = qp + bh * L * D;
      const float* kh = kp + bh * L * D;
      for (std::int64_t l = 0; l < L; ++l) {
        const float* ql = qh + l * D;
        float best = -std::numeric_limits<float>::infinity(), total = 0.0f;
        for (std::int64_t j = 0; j < U; ++j) {
          const float* kj = kh + ip[l * U + j] * D;
          float dot = 0.0f;
          for (std::int64_t d = 0; d < D; ++d) dot += ql[d] * kj[d];
          best = std::max(best, dot);
          total += dot;
        }
        op[bh * L + l] = best - total / length;
      }
    }
  });
  return out;
}

// Attention weights over the last dimension, computed in float32 and returned in `like`'s dtype:
// under bf16 mixed precision the scores are bf16 and the softmax must not be (precision.h).
torch::Tensor attention_weights(const torch::Tensor& scores, const torch::Tensor& like) {
  if (scores.scalar_type() == torch::kFloat32) return torch::softmax(scores, -1);
  return torch::softmax(scores.to(torch::kFloat32), -1).to(like.scalar_type());
}

}  // namespace

torch::Tensor probsparse_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, const torch::Tensor& sample_index,
                                   std::int64_t active_queries) {
  const auto B = q.size(0), H = q.size(1), L = q.size(2), D = q.size(3);
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  // The choice of active queries is discrete, so no gradient flows through M; only the u
  // active rows get scores with gradients.
  torch::Tensor top;  // [B, H, u]
  {
    torch::NoGradGuard no_grad;
    const auto sparsity = sparsity_measure(q.detach(), k.detach(), sample_index);
    top = std::get<1>(sparsity.topk(active_queries, -1, /*largest=*/true, /*sorted=*/false));
  }
  const auto rows = top.unsqueeze(-1);
  const auto q_top = q.gather(2, rows.expand({B, H, active_queries, D}));  // [B, H, u, D]
  // Batched products: with OpenBLAS's OpenMP build (docs/performance.md, "BLAS threads") the
  // per-matrix calls cost less than the broadcast-and-sum that replaced them under the pthread
  // build (paper training step 32 -> 40 samples/s).
  const auto scores = torch::matmul(q_top, k.transpose(-2, -1)) * scale;  // [B, H, u, L]
  const auto updates = torch::matmul(attention_weights(scores, v), v);    // [B, H, u, D]
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
  return torch::matmul(attention_weights(scores, v), v);
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
  // One product for the three input projections (their weights concatenated per call, 3 d^2
  // values) instead of three over B * L rows, then one copy into [3, B, H, L, D] so that the
  // attention products read contiguous heads (batched products on strided heads copy them).
  const auto weight =
      torch::cat({query_projection->weight, key_projection->weight, value_projection->weight});
  const auto bias =
      torch::cat({query_projection->bias, key_projection->bias, value_projection->bias});
  const auto qkv =
      torch::linear(x, weight, bias).view({B, L, 3, H, -1}).permute({2, 0, 3, 1, 4}).contiguous();
  const auto q = qkv[0], k = qkv[1], v = qkv[2];
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

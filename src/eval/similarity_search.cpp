#include "astrom3/eval/similarity_search.h"

#include <torch/torch.h>

#include <limits>

#include "astrom3/common/error.h"

namespace astrom3::eval {
namespace {

namespace F = torch::nn::functional;

}  // namespace

void keep_best(torch::Tensor& sim, torch::Tensor& idx, std::int64_t k) {
  // Invalid entries (index -1) carry -inf and sort last; the index key puts -1 after real rows
  // among equal similarities because it is mapped to the largest value.
  const auto big = std::numeric_limits<std::int64_t>::max();
  const auto key = torch::where(idx.lt(0), torch::full_like(idx, big), idx);
  auto by_index = std::get<1>(torch::sort(key, /*stable=*/true, /*dim=*/1, /*descending=*/false));
  sim = sim.gather(1, by_index);
  idx = idx.gather(1, by_index);
  auto by_sim = std::get<1>(torch::sort(sim, /*stable=*/true, 1, /*descending=*/true));
  const auto keep = std::min<std::int64_t>(k, sim.size(1));
  by_sim = by_sim.narrow(1, 0, keep);
  sim = sim.gather(1, by_sim);
  idx = idx.gather(1, by_sim);
}

std::pair<torch::Tensor, torch::Tensor> top_k_with_ties(const torch::Tensor& sim, std::int64_t k) {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const auto take = std::min(k, sim.size(1));
  auto [top_sim, top_pos] = sim.topk(take, /*dim=*/1, /*largest=*/true, /*sorted=*/true);
  // topk may cut through a run of equal similarities: widen to every tie of the k-th value.
  // (A row whose k-th value is -inf has fewer than k valid candidates: all are kept.)
  const auto kth = top_sim.narrow(1, take - 1, 1);
  const auto ties = sim.ge(kth).logical_and(kth.gt(neg_inf)).sum(1).max().item<std::int64_t>();
  if (ties > take) std::tie(top_sim, top_pos) = sim.topk(ties, 1, true, true);
  return {top_sim, top_pos};
}

Neighbours top_k_cosine(const torch::Tensor& queries, const torch::Tensor& candidates,
                        const torch::Tensor& candidate_mask, const torch::Tensor& query_rows,
                        const NeighbourOptions& options) {
  if (options.k < 1 || options.query_block < 1 || options.candidate_block < 1) {
    throw ConfigError("search: k and block sizes must be positive");
  }
  if (queries.dim() != 2 || candidates.dim() != 2 || queries.size(1) != candidates.size(1)) {
    throw ConfigError("search: queries and candidates must be [Q, E] and [N, E] with the same E");
  }
  torch::NoGradGuard no_grad;
  // Queries are normalised block by block: no second copy of a 10^6-row query set.
  const auto c = F::normalize(candidates.to(torch::kFloat32), F::NormalizeFuncOptions().dim(1));
  const auto nq = queries.size(0), nc = c.size(0), k = options.k;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  auto out_sim = torch::full({nq, k}, neg_inf, torch::kFloat32);
  auto out_idx = torch::full({nq, k}, -1, torch::kInt64);
  const auto mask = candidate_mask.to(torch::kBool);
  for (std::int64_t q0 = 0; q0 < nq; q0 += options.query_block) {
    const auto qn = std::min(options.query_block, nq - q0);
    const auto qb = F::normalize(queries.narrow(0, q0, qn).to(torch::kFloat32),
                                 F::NormalizeFuncOptions().dim(1));
    const auto self = query_rows.narrow(0, q0, qn).to(torch::kInt64).unsqueeze(1);  // [qn, 1]
    auto best_sim = torch::full({qn, k}, neg_inf, torch::kFloat32);
    auto best_idx = torch::full({qn, k}, -1, torch::kInt64);
    for (std::int64_t c0 = 0; c0 < nc; c0 += options.candidate_block) {
      const auto cn = std::min(options.candidate_block, nc - c0);
      auto sim = torch::matmul(qb, c.narrow(0, c0, cn).t());                     // [qn, cn]
      const auto rows = torch::arange(c0, c0 + cn, torch::kInt64).unsqueeze(0);  // [1, cn]
      const auto invalid =
          mask.narrow(0, c0, cn).logical_not().unsqueeze(0).logical_or(rows.eq(self));
      sim = sim.masked_fill(invalid, neg_inf);
      auto [top_sim, top_pos] = top_k_with_ties(sim, k);
      auto top_idx = torch::where(top_sim.eq(neg_inf), torch::full_like(top_pos, -1), top_pos + c0);
      auto merged_sim = torch::cat({best_sim, top_sim}, 1);
      auto merged_idx = torch::cat({best_idx, top_idx}, 1);
      keep_best(merged_sim, merged_idx, k);
      best_sim = merged_sim;
      best_idx = merged_idx;
    }
    out_sim.narrow(0, q0, qn).copy_(best_sim);
    out_idx.narrow(0, q0, qn).copy_(best_idx);
  }
  return {out_idx, out_sim};
}

torch::Tensor pair_similarity(const torch::Tensor& space, const torch::Tensor& mask,
                              const torch::Tensor& rows_a, const torch::Tensor& rows_b) {
  torch::NoGradGuard no_grad;
  const auto s = F::normalize(space.to(torch::kFloat32), F::NormalizeFuncOptions().dim(1));
  const auto m = mask.to(torch::kBool);
  const auto a = rows_a.to(torch::kInt64).clamp_min(0);
  const auto b = rows_b.to(torch::kInt64).clamp_min(0);
  const auto ea = s.index_select(0, a).unsqueeze(1);                                  // [Q, 1, E]
  const auto eb = s.index_select(0, b.reshape(-1)).view({b.size(0), b.size(1), -1});  // [Q, k, E]
  auto sim = (ea * eb).sum(-1);                                                       // [Q, k]
  const auto valid = rows_a.ge(0)
                         .unsqueeze(1)
                         .logical_and(rows_b.ge(0))
                         .logical_and(m.index_select(0, a).unsqueeze(1))
                         .logical_and(m.index_select(0, b.reshape(-1)).view_as(b));
  return sim.masked_fill(valid.logical_not(), std::numeric_limits<float>::quiet_NaN());
}

}  // namespace astrom3::eval

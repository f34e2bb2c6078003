#include "astrom3/eval/ivf_index.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"
#include "astrom3/eval/embedding_map.h"

namespace astrom3::eval {
namespace {

namespace F = torch::nn::functional;

constexpr std::uint64_t kIvfSampleStream = 0x1f1d'5a3b;
constexpr std::int64_t kAssignBlock = 65536;

// [N] most similar centre of each unit row, in blocks.
torch::Tensor nearest_centre(const torch::Tensor& u, const torch::Tensor& centres) {
  std::vector<torch::Tensor> parts;
  for (std::int64_t r0 = 0; r0 < u.size(0); r0 += kAssignBlock) {
    const auto rn = std::min(kAssignBlock, u.size(0) - r0);
    parts.push_back(torch::matmul(u.narrow(0, r0, rn), centres.t()).argmax(1));
  }
  return torch::cat(parts);
}

// Cells: spherical k-means in single precision. k-means++ seeding is sequential (one pass over
// the rows per centre), so it runs on a subsample of 8 rows per cell, small enough to stay in
// cache; Lloyd iterations then use the whole sample. An emptied cell keeps its centre.
torch::Tensor train_cells(const torch::Tensor& sample, std::int64_t lists, int iterations,
                          std::uint64_t seed) {
  Rng rng(seed);
  auto seeding = sample;
  if (sample.size(0) > 8 * lists) {
    auto pick = permutation(sample.size(0), derive_seed(seed, {kIvfSampleStream, 1}));
    pick.resize(8 * lists);
    seeding = sample.index_select(0, torch::tensor(pick));
  }
  auto centres = seeding.index_select(0, torch::tensor(kmeans_plus_plus(seeding, lists, rng)));
  for (int it = 0; it < iterations; ++it) {
    const auto cell = nearest_centre(sample, centres);
    auto sums = torch::zeros_like(centres).index_add_(0, cell, sample);
    const auto empty = sums.norm(2, 1).eq(0).unsqueeze(1);
    centres = torch::where(empty, centres, F::normalize(sums, F::NormalizeFuncOptions().dim(1)));
  }
  return centres.contiguous();
}

}  // namespace

IvfIndex::IvfIndex(const torch::Tensor& candidates, const torch::Tensor& mask,
                   const IvfOptions& options)
    : options_(options) {
  if (candidates.dim() != 2) throw ConfigError("ivf index: candidates must be [N, E]");
  if (options.lists < 0 || options.probes < 1 || options.train_per_list < 1 ||
      options.kmeans_iterations < 1 || options.query_block < 1) {
    throw ConfigError("ivf index: lists must be >= 0, probes and sizes >= 1");
  }
  torch::NoGradGuard no_grad;
  const auto valid = mask.to(torch::kBool).nonzero().squeeze(1);
  const auto m = valid.size(0);
  auto lists = options.lists > 0
                   ? options.lists
                   : static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(m))));
  lists = std::clamp<std::int64_t>(lists, 1, std::max<std::int64_t>(1, m));
  probes_ = std::min(options.probes, lists);
  const auto u = F::normalize(candidates.index_select(0, valid).to(torch::kFloat32),
                              F::NormalizeFuncOptions().dim(1));
  if (m == 0) {
    centres_ = torch::zeros({1, candidates.size(1)}, torch::kFloat32);
    vectors_ = u;
    rows_ = valid;
    offsets_ = {0, 0};
    return;
  }
  // k-means needs far fewer points than the index holds: it fits on a sample.
  auto sample = u;
  if (m > options.train_per_list * lists) {
    auto pick = permutation(m, derive_seed(options.seed, {kIvfSampleStream}));
    pick.resize(options.train_per_list * lists);
    std::sort(pick.begin(), pick.end());
    sample = u.index_select(0, torch::tensor(pick));
  }
  centres_ = train_cells(sample, lists, options.kmeans_iterations, options.seed);
  // Every candidate joins its most similar centre; members are stored cell by cell.
  const auto cell = nearest_centre(u, centres_);
  const auto order = std::get<1>(torch::sort(cell, /*stable=*/true, 0, /*descending=*/false));
  vectors_ = u.index_select(0, order).contiguous();
  rows_ = valid.index_select(0, order).contiguous();
  const auto counts = torch::bincount(cell, {}, lists).contiguous();
  offsets_.assign(1, 0);
  for (std::int64_t l = 0; l < lists; ++l) {
    offsets_.push_back(offsets_.back() + counts.data_ptr<std::int64_t>()[l]);
  }
}

std::vector<std::int64_t> IvfIndex::list_sizes() const {
  std::vector<std::int64_t> out;
  for (std::size_t l = 0; l + 1 < offsets_.size(); ++l)
    out.push_back(offsets_[l + 1] - offsets_[l]);
  return out;
}

Neighbours IvfIndex::search(const torch::Tensor& queries, const torch::Tensor& query_rows,
                            std::int64_t k) const {
  if (k < 1) throw ConfigError("ivf index: k must be positive");
  if (queries.dim() != 2 || queries.size(1) != vectors_.size(1)) {
    throw ConfigError("ivf index: queries must be [Q, E] with the candidates' E");
  }
  torch::NoGradGuard no_grad;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const auto self_rows = query_rows.to(torch::kInt64);
  const auto nq = queries.size(0), p = probes_, lists = this->lists();
  auto out_sim = torch::full({nq, k}, neg_inf, torch::kFloat32);
  auto out_idx = torch::full({nq, k}, -1, torch::kInt64);
  for (std::int64_t q0 = 0; q0 < nq; q0 += options_.query_block) {
    const auto qn = std::min(options_.query_block, nq - q0);
    const auto qb = F::normalize(queries.narrow(0, q0, qn).to(torch::kFloat32),
                                 F::NormalizeFuncOptions().dim(1));
    const auto self = self_rows.narrow(0, q0, qn);
    // Each query's p most similar cells; its candidates from probe slot s land in columns
    // [s k, (s + 1) k) of the candidate table, merged with the exact tie rule at the end.
    const auto probe = std::get<1>(torch::matmul(qb, centres_.t()).topk(p, 1)).reshape(-1);
    const auto order = std::get<1>(torch::sort(probe, /*stable=*/true, 0, false)).contiguous();
    const auto counts = torch::bincount(probe, {}, lists).contiguous();
    auto cand_sim = torch::full({qn, p * k}, neg_inf, torch::kFloat32);
    auto cand_idx = torch::full({qn, p * k}, -1, torch::kInt64);
    std::int64_t start = 0;
    for (std::int64_t l = 0; l < lists; ++l) {
      const auto count = counts.data_ptr<std::int64_t>()[l];
      const auto size = offsets_[l + 1] - offsets_[l];
      if (count == 0 || size == 0) {
        start += count;
        continue;
      }
      const auto entries = order.narrow(0, start, count);  // positions in probe [qn * p]
      start += count;
      const auto who = entries.div(p, "floor");
      const auto slot = entries.remainder(p);
      const auto members = rows_.narrow(0, offsets_[l], size);
      auto sim = torch::matmul(qb.index_select(0, who), vectors_.narrow(0, offsets_[l], size).t());
      sim =
          sim.masked_fill(members.unsqueeze(0).eq(self.index_select(0, who).unsqueeze(1)), neg_inf);
      const auto take = std::min(k, size);
      auto [top_sim, top_pos] = sim.topk(take, 1, /*largest=*/true, /*sorted=*/true);
      const auto top_idx = torch::where(top_sim.eq(neg_inf), torch::full_like(top_pos, -1),
                                        members.index({top_pos}));
      const auto cols = (slot * k).unsqueeze(1) + torch::arange(take, torch::kInt64).unsqueeze(0);
      const auto at = who.unsqueeze(1).expand_as(cols);
      cand_sim.index_put_({at, cols}, top_sim);
      cand_idx.index_put_({at, cols}, top_idx);
    }
    keep_best(cand_sim, cand_idx, k);
    const auto kept = cand_sim.size(1);
    out_sim.narrow(0, q0, qn).narrow(1, 0, kept).copy_(cand_sim);
    out_idx.narrow(0, q0, qn).narrow(1, 0, kept).copy_(cand_idx);
  }
  return {out_idx, out_sim};
}

}  // namespace astrom3::eval

#include "astrom3/eval/label_evidence.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "astrom3/eval/embedding_outliers.h"

namespace astrom3::eval {
namespace {
namespace F = torch::nn::functional;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

LabelEvidence label_evidence(const torch::Tensor& embeddings, const torch::Tensor& labels,
                             const torch::Tensor& present, const torch::Tensor& train,
                             std::int64_t classes, std::int64_t k, const SearchOptions& search) {
  torch::NoGradGuard no_grad;
  const auto n = embeddings.size(0);
  const auto lab = labels.to(torch::kInt64).contiguous();
  const auto has = present.to(torch::kBool);
  const auto reference = has.logical_and(train.to(torch::kBool)).logical_and(lab.ge(0));

  // Class sums of the reference objects; a train object's own class centroid excludes itself.
  // Row blocks keep the double-precision work O(block x E).
  auto sums = torch::zeros({classes, embeddings.size(1)}, torch::kFloat64);
  for_each_unit_block(embeddings, [&](std::int64_t r0, const torch::Tensor& e) {
    const auto ref = reference.narrow(0, r0, e.size(0)).nonzero().squeeze(1);
    sums.index_add_(0, lab.narrow(0, r0, e.size(0)).index_select(0, ref), e.index_select(0, ref));
  });
  const auto centroids = F::normalize(sums, F::NormalizeFuncOptions().dim(1));
  const auto empty = sums.norm(2, 1).eq(0);  // classes without reference objects
  const double neg_inf = -std::numeric_limits<double>::infinity();
  auto best = torch::empty({n}, torch::kInt64);
  auto margin = torch::empty({n}, torch::kFloat64);
  for_each_unit_block(embeddings, [&](std::int64_t r0, const torch::Tensor& e) {
    const auto rn = e.size(0);
    auto sim = torch::matmul(e, centroids.t());  // [rn, C]
    const auto y = lab.narrow(0, r0, rn).clamp_min(0);
    const auto is_ref = reference.narrow(0, r0, rn).unsqueeze(1).to(torch::kFloat64);
    const auto own_sum = sums.index_select(0, y) - e * is_ref;
    const auto own = (e * F::normalize(own_sum, F::NormalizeFuncOptions().dim(1))).sum(1);
    sim.scatter_(1, y.unsqueeze(1), own.unsqueeze(1));
    sim.masked_fill_(empty.unsqueeze(0), neg_inf);
    best.narrow(0, r0, rn).copy_(sim.argmax(1));
    sim.scatter_(1, y.unsqueeze(1), neg_inf);
    margin.narrow(0, r0, rn).copy_(std::get<0>(sim.max(1)) - own);
  });

  // k nearest reference objects of every object with the modality.
  const auto query_rows = has.nonzero().squeeze(1);
  const auto queries =
      query_rows.size(0) == n ? embeddings : embeddings.index_select(0, query_rows);
  const auto nn = find_neighbours(queries, embeddings, reference, query_rows, k, search);
  const auto idx = nn.index.contiguous();
  const auto nsim = nn.similarity.to(torch::kFloat64).contiguous();

  LabelEvidence out;
  out.centroid_prediction.assign(static_cast<std::size_t>(n), -1);
  out.centroid_margin.assign(static_cast<std::size_t>(n), kNaN);
  out.knn_prediction.assign(static_cast<std::size_t>(n), -1);
  out.knn_share.assign(static_cast<std::size_t>(n), kNaN);
  out.knn_own_share.assign(static_cast<std::size_t>(n), kNaN);
  const auto* pl = lab.data_ptr<std::int64_t>();
  const auto* pb = best.contiguous().data_ptr<std::int64_t>();
  const auto* pm = margin.data_ptr<double>();
  const auto* pq = query_rows.contiguous().data_ptr<std::int64_t>();
  for (std::int64_t q = 0; q < query_rows.size(0); ++q) {
    const auto i = pq[q];
    if (pl[i] < 0) continue;
    out.centroid_prediction[i] = pb[i];
    out.centroid_margin[i] = pm[i];
    std::vector<double> votes(static_cast<std::size_t>(classes), 0.0);
    std::vector<double> weight(static_cast<std::size_t>(classes), 0.0);
    std::int64_t voters = 0;
    for (std::int64_t j = 0; j < k; ++j) {
      const auto r = idx.data_ptr<std::int64_t>()[q * k + j];
      if (r < 0) continue;
      votes[pl[r]] += 1.0;
      weight[pl[r]] += nsim.data_ptr<double>()[q * k + j];
      ++voters;
    }
    if (voters == 0) continue;
    std::int64_t winner = 0;
    for (std::int64_t c = 1; c < classes; ++c) {
      if (votes[c] > votes[winner] || (votes[c] == votes[winner] && weight[c] > weight[winner])) {
        winner = c;
      }
    }
    out.knn_prediction[i] = winner;
    out.knn_share[i] = votes[winner] / static_cast<double>(voters);
    out.knn_own_share[i] = votes[pl[i]] / static_cast<double>(voters);
  }
  return out;
}

}  // namespace astrom3::eval

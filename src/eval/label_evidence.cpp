#include "astrom3/eval/label_evidence.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

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
  const auto e = F::normalize(embeddings.to(torch::kFloat64), F::NormalizeFuncOptions().dim(1));
  const auto lab = labels.to(torch::kInt64).contiguous();
  const auto has = present.to(torch::kBool);
  const auto reference = has.logical_and(train.to(torch::kBool)).logical_and(lab.ge(0));

  // Class sums of the reference objects; a train object's own class centroid excludes itself.
  const auto ref_rows = reference.nonzero().squeeze(1);
  auto sums = torch::zeros({classes, e.size(1)}, torch::kFloat64);
  sums.index_add_(0, lab.index_select(0, ref_rows), e.index_select(0, ref_rows));
  const auto centroids = F::normalize(sums, F::NormalizeFuncOptions().dim(1));
  auto sim = torch::matmul(e, centroids.t());  // [N, C]
  const auto y = lab.clamp_min(0);
  const auto own_sum = sums.index_select(0, y) - e * reference.unsqueeze(1).to(torch::kFloat64);
  const auto own_centroid = F::normalize(own_sum, F::NormalizeFuncOptions().dim(1));
  const auto own = (e * own_centroid).sum(1);
  sim.scatter_(1, y.unsqueeze(1), own.unsqueeze(1));
  const auto empty = sums.norm(2, 1).eq(0);  // classes without reference objects
  sim.masked_fill_(empty.unsqueeze(0), -std::numeric_limits<double>::infinity());
  const auto best = sim.argmax(1);
  auto others = sim.clone();
  others.scatter_(1, y.unsqueeze(1), -std::numeric_limits<double>::infinity());
  const auto margin = (std::get<0>(others.max(1)) - own).contiguous();

  // k nearest reference objects of every object with the modality.
  const auto query_rows = has.nonzero().squeeze(1);
  const auto nn = find_neighbours(embeddings.index_select(0, query_rows), embeddings, reference,
                                  query_rows, k, search);
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

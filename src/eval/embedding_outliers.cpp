#include "astrom3/eval/embedding_outliers.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "astrom3/eval/neighbour_search.h"

namespace astrom3::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
namespace F = torch::nn::functional;

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double pos = p / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

void for_each_unit_block(const torch::Tensor& embeddings,
                         const std::function<void(std::int64_t, const torch::Tensor&)>& fn) {
  torch::NoGradGuard no_grad;
  constexpr std::int64_t kBlock = 32768;
  const auto n = embeddings.size(0);
  for (std::int64_t r0 = 0; r0 < n; r0 += kBlock) {
    const auto rn = std::min(kBlock, n - r0);
    fn(r0, F::normalize(embeddings.narrow(0, r0, rn).to(torch::kFloat64),
                        F::NormalizeFuncOptions().dim(1)));
  }
}

torch::Tensor class_centroids(const torch::Tensor& embeddings, const torch::Tensor& labels,
                              const torch::Tensor& members, std::int64_t classes,
                              std::vector<std::int64_t>* counts) {
  torch::NoGradGuard no_grad;
  const auto in = members.to(torch::kBool).logical_and(labels.ge(0));
  const auto lab = labels.to(torch::kInt64);
  auto sums = torch::zeros({classes, embeddings.size(1)}, torch::kFloat64);
  for_each_unit_block(embeddings, [&](std::int64_t r0, const torch::Tensor& e) {
    const auto keep = in.narrow(0, r0, e.size(0)).nonzero().squeeze(1);
    sums.index_add_(0, lab.narrow(0, r0, e.size(0)).index_select(0, keep), e.index_select(0, keep));
  });
  const auto keep = in.nonzero().squeeze(1);
  if (counts) {
    const auto n = torch::bincount(labels.index_select(0, keep).to(torch::kInt64), {}, classes);
    counts->assign(n.data_ptr<std::int64_t>(), n.data_ptr<std::int64_t>() + classes);
  }
  return F::normalize(sums, F::NormalizeFuncOptions().dim(1));  // zero rows stay zero
}

CentroidDistances centroid_distances(const torch::Tensor& embeddings, const torch::Tensor& labels,
                                     const torch::Tensor& present, const torch::Tensor& train,
                                     std::int64_t classes, double percentile_cut) {
  std::vector<std::int64_t> counts;
  const auto centroids = class_centroids(
      embeddings, labels, present.to(torch::kBool).logical_and(train.to(torch::kBool)), classes,
      &counts);
  const auto n = embeddings.size(0);
  const auto lab = labels.to(torch::kInt64).contiguous();
  const auto has = present.to(torch::kBool).contiguous();
  CentroidDistances out;
  out.distance.assign(static_cast<std::size_t>(n), kNaN);
  out.rank.assign(static_cast<std::size_t>(n), 0);
  // [N] cosine similarity to the own class centroid.
  auto own = torch::empty({n}, torch::kFloat64);
  for_each_unit_block(embeddings, [&](std::int64_t r0, const torch::Tensor& e) {
    const auto y = lab.narrow(0, r0, e.size(0)).clamp_min(0).unsqueeze(1);
    own.narrow(0, r0, e.size(0)).copy_(torch::matmul(e, centroids.t()).gather(1, y).squeeze(1));
  });
  std::vector<std::vector<std::int64_t>> members(static_cast<std::size_t>(classes));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto y = lab.data_ptr<std::int64_t>()[i];
    if (y < 0 || !has.data_ptr<bool>()[i] || counts[y] == 0) continue;
    out.distance[i] = 1.0 - own.data_ptr<double>()[i];
    members[y].push_back(i);
  }
  out.threshold.assign(static_cast<std::size_t>(classes), kNaN);
  for (std::int64_t c = 0; c < classes; ++c) {
    auto& m = members[c];
    std::vector<double> d;
    for (auto i : m) d.push_back(out.distance[i]);
    out.threshold[c] = percentile(d, percentile_cut);
    std::stable_sort(m.begin(), m.end(), [&](std::int64_t a, std::int64_t b) {
      return out.distance[a] > out.distance[b];
    });
    for (std::size_t r = 0; r < m.size(); ++r) out.rank[m[r]] = static_cast<std::int64_t>(r + 1);
  }
  return out;
}

std::vector<double> knn_distance_score(const torch::Tensor& embeddings,
                                       const torch::Tensor& present, std::int64_t k,
                                       const SearchOptions& search) {
  const auto n = embeddings.size(0);
  const auto rows = present.to(torch::kBool).nonzero().squeeze(1);
  const auto queries = rows.size(0) == n ? embeddings : embeddings.index_select(0, rows);
  const auto nn = find_neighbours(queries, embeddings, present, rows, k, search);
  std::vector<double> out(static_cast<std::size_t>(n), kNaN);
  const auto sim = nn.similarity.to(torch::kFloat64).contiguous();
  const auto idx = nn.index.contiguous();
  const auto row_list = rows.contiguous();
  const auto* row_of_query = row_list.data_ptr<std::int64_t>();
  for (std::int64_t q = 0; q < rows.size(0); ++q) {
    double sum = 0.0;
    std::int64_t count = 0;
    for (std::int64_t j = 0; j < k; ++j) {
      if (idx.data_ptr<std::int64_t>()[q * k + j] < 0) continue;
      sum += 1.0 - sim.data_ptr<double>()[q * k + j];
      ++count;
    }
    if (count > 0) out[row_of_query[q]] = sum / static_cast<double>(count);
  }
  return out;
}

}  // namespace astrom3::eval

#include "astrom3/eval/embedding_outliers.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "astrom3/eval/neighbour_search.h"
#include "astrom3/ingest/text_table.h"

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

bool OutlierReport::knn_outlier(std::size_t row) const {
  return !std::isnan(knn[row]) && knn[row] > knn_cut;
}

OutlierReport find_outliers(const EmbeddingTable& table, const std::vector<std::string>& modalities,
                            double percentile_cut, std::int64_t knn_k,
                            const SearchOptions& search) {
  OutlierReport r;
  r.modalities = modalities;
  r.percentile = percentile_cut;
  r.knn_k = knn_k;
  const auto classes = static_cast<std::int64_t>(table.info.class_names.size());
  const auto labels =
      torch::tensor(std::vector<std::int64_t>(table.labels.begin(), table.labels.end()));
  const auto train = table.in_split("train");
  for (const auto& m : modalities) {
    r.distances.push_back(centroid_distances(table.of(m), labels, table.present_in(m), train,
                                             classes, percentile_cut));
  }
  r.knn = knn_distance_score(table.of("fused"), table.present_in("fused"), knn_k, search);
  std::vector<double> finite;
  for (double v : r.knn) {
    if (!std::isnan(v)) finite.push_back(v);
  }
  r.knn_cut = percentile(finite, percentile_cut);

  const auto n = table.ids.size();
  r.flagged.assign(n, 0);
  r.excess.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    if (table.labels[i] < 0) continue;
    r.ranking.push_back(i);
    for (const auto& d : r.distances) {
      const double t = d.threshold[table.labels[i]];
      if (std::isnan(d.distance[i]) || std::isnan(t)) continue;
      r.flagged[i] += d.distance[i] > t;
      r.excess[i] = std::max(r.excess[i], d.distance[i] / std::max(t, 1e-12));
    }
  }
  std::stable_sort(r.ranking.begin(), r.ranking.end(), [&](std::size_t a, std::size_t b) {
    return r.flagged[a] != r.flagged[b] ? r.flagged[a] > r.flagged[b] : r.excess[a] > r.excess[b];
  });
  return r;
}

void write_outliers_csv(std::ostream& out, const EmbeddingTable& table,
                        const OutlierReport& report) {
  out << "id,label,split";
  for (const auto& m : report.modalities) {
    out << "," << m << "_distance," << m << "_rank," << m << "_threshold," << m << "_outlier";
  }
  out << ",outlier_modalities,knn_distance,knn_outlier\n";
  char buf[96];
  for (auto i : report.ranking) {
    out << ingest::csv_field(table.ids[i]) << "," << table.label_name(i) << "," << table.split[i];
    for (const auto& d : report.distances) {
      const double t = d.threshold[table.labels[i]];
      if (std::isnan(d.distance[i])) {
        out << ",,,,";
        continue;
      }
      std::snprintf(buf, sizeof buf, ",%.6f,%lld,%.6f,%d", d.distance[i],
                    static_cast<long long>(d.rank[i]), t, d.distance[i] > t ? 1 : 0);
      out << buf;
    }
    if (std::isnan(report.knn[i])) {
      std::snprintf(buf, sizeof buf, ",%d,,", report.flagged[i]);
    } else {
      std::snprintf(buf, sizeof buf, ",%d,%.6f,%d", report.flagged[i], report.knn[i],
                    report.knn_outlier(i) ? 1 : 0);
    }
    out << buf << "\n";
  }
}

void write_outliers_summary(std::ostream& out, const EmbeddingTable& table,
                            const OutlierReport& report, std::size_t show) {
  std::size_t any = 0, several = 0, isolated = 0;
  for (auto i : report.ranking) {
    any += report.flagged[i] >= 1;
    several += report.flagged[i] >= 2;
    isolated += report.knn_outlier(i);
  }
  out << "outliers above the per-class " << report.percentile
      << "th percentile of centroid distance: " << any << " objects in at least one modality, "
      << several << " in two or more (of " << report.ranking.size()
      << " labelled); label-free: " << isolated << " above the " << report.percentile
      << "th percentile of the " << report.knn_k << "-NN distance\n";
  out << "id                     label  split  modalities  largest distance/threshold\n";
  char buf[48];
  for (std::size_t r = 0; r < report.ranking.size() && r < show; ++r) {
    const auto i = report.ranking[r];
    std::snprintf(buf, sizeof buf, " %10d  %.3f\n", report.flagged[i], report.excess[i]);
    out << ingest::left_justified(table.ids[i], 22) << " "
        << ingest::left_justified(table.label_name(i), 6) << " "
        << ingest::left_justified(table.split[i], 6) << buf;
  }
}

}  // namespace astrom3::eval

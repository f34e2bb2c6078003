#include "astrom3/eval/embedding_map.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"
#include "astrom3/data/schema.h"
#include "astrom3/ingest/text_table.h"

namespace astrom3::eval {
namespace {
namespace F = torch::nn::functional;

// Stream of the sample that spectral clustering fits on large inputs, apart from k-means's.
constexpr std::uint64_t kMapSampleStream = 0x5ec7'5a3d;

// The leading-k eigenvectors of the normalised k-NN affinity of unit rows u [m, E] -> [m, k].
torch::Tensor spectral_embedding(const torch::Tensor& u, std::int64_t k, std::int64_t neighbours) {
  const auto m = u.size(0);
  const auto nn = std::min(neighbours, m - 1);
  auto sim = torch::matmul(u, u.t());
  sim.fill_diagonal_(-std::numeric_limits<double>::infinity());
  const auto nearest = std::get<1>(sim.topk(nn, /*dim=*/1));
  auto a = torch::zeros({m, m}, torch::kFloat64);
  a.scatter_(1, nearest, 1.0);
  a = 0.5 * (a + a.t());
  a.fill_diagonal_(1.0);
  const auto d = a.sum(1).rsqrt();
  const auto affinity = d.unsqueeze(1) * a * d.unsqueeze(0);
  // Eigenvalues ascending: the last k columns belong to the largest ones.
  const auto vectors = std::get<1>(torch::linalg_eigh(affinity, "L"));
  return vectors.narrow(1, m - k, k).contiguous();
}

// Renumbers clusters in order of their first row and recomputes the centres from u [n, E].
Clustering canonical(const std::vector<std::int64_t>& assignment, std::int64_t k,
                     const torch::Tensor& u, std::int64_t iterations) {
  std::vector<std::int64_t> rename(k, -1);
  std::int64_t next = 0;
  Clustering out;
  out.iterations = iterations;
  for (auto a : assignment) {
    if (rename[a] < 0) rename[a] = next++;
    out.assignment.push_back(rename[a]);
  }
  auto sums = torch::zeros({k, u.size(1)}, torch::kFloat64);
  sums.index_add_(0, torch::tensor(out.assignment), u);
  out.centres = F::normalize(sums, F::NormalizeFuncOptions().dim(1)).to(torch::kFloat32);
  return out;
}

}  // namespace

torch::Tensor pca_2d(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  const auto d = x.to(torch::kFloat64);
  const auto centred = d - d.mean(0, true);
  const auto cov = torch::matmul(centred.t(), centred) / std::max<std::int64_t>(1, d.size(0) - 1);
  // linalg_eigh (the ATen op; Debian's LibTorch 2.6 lacks torch/linalg.h): eigenvalues ascending,
  // so the last two columns are the leading components.
  auto [values, vectors] = torch::linalg_eigh(cov, "L");
  const auto e = vectors.size(1);
  auto components =
      vectors.narrow(1, std::max<std::int64_t>(0, e - 2), std::min<std::int64_t>(2, e))
          .flip({1})
          .contiguous();
  for (std::int64_t c = 0; c < components.size(1); ++c) {
    const auto col = components.select(1, c);
    const auto at = col.abs().argmax().item<std::int64_t>();
    if (col[at].item<double>() < 0) components.select(1, c).mul_(-1.0);
  }
  auto out = torch::matmul(centred, components).to(torch::kFloat32);
  if (out.size(1) < 2) out = torch::cat({out, torch::zeros({out.size(0), 2 - out.size(1)})}, 1);
  return out;
}

std::vector<std::int64_t> kmeans_plus_plus(const torch::Tensor& unit_rows, std::int64_t k,
                                           Rng& rng) {
  torch::NoGradGuard no_grad;
  const auto n = unit_rows.size(0);
  std::vector<std::int64_t> chosen = {rng.integer(0, n - 1)};
  // [n] similarity to the closest chosen row, updated with each new row only.
  auto nearest = torch::matmul(unit_rows, unit_rows[chosen[0]]);
  while (static_cast<std::int64_t>(chosen.size()) < k) {
    const auto d = (1.0 - nearest.to(torch::kFloat64)).clamp_min(0.0).contiguous();
    std::vector<double> w(d.data_ptr<double>(), d.data_ptr<double>() + n);
    double sum = 0;
    for (auto& v : w) {
      v = v * v;
      sum += v;
    }
    chosen.push_back(sum > 0 ? static_cast<std::int64_t>(rng.categorical(w))
                             : rng.integer(0, n - 1));
    nearest = torch::maximum(nearest, torch::matmul(unit_rows, unit_rows[chosen.back()]));
  }
  return chosen;
}

Clustering spherical_kmeans(const torch::Tensor& x, std::int64_t k, std::uint64_t seed,
                            int restarts, int max_iterations) {
  torch::NoGradGuard no_grad;
  const auto n = x.size(0);
  if (k < 1 || n < k) {
    throw ConfigError("k-means: need at least k = " + std::to_string(k) + " objects, have " +
                      std::to_string(n));
  }
  const auto u = F::normalize(x.to(torch::kFloat64), F::NormalizeFuncOptions().dim(1));
  Clustering best;
  double best_total = -std::numeric_limits<double>::infinity();
  for (int run = 0; run < restarts; ++run) {
    Rng rng(derive_seed(seed, {static_cast<std::uint64_t>(run)}));
    auto centres = u.index_select(0, torch::tensor(kmeans_plus_plus(u, k, rng)));
    torch::Tensor assign;
    std::int64_t it = 0;
    for (; it < max_iterations; ++it) {
      const auto next = torch::matmul(u, centres.t()).argmax(1);
      if (assign.defined() && torch::equal(next, assign)) break;
      assign = next;
      auto sums = torch::zeros_like(centres);
      sums.index_add_(0, assign, u);
      // An emptied cluster keeps its centre.
      const auto empty = sums.norm(2, 1).eq(0).unsqueeze(1);
      centres = torch::where(empty, centres, F::normalize(sums, F::NormalizeFuncOptions().dim(1)));
    }
    const double total = (u * centres.index_select(0, assign)).sum().item<double>();
    if (total > best_total) {
      best_total = total;
      const auto a = assign.contiguous();
      best.assignment.assign(a.data_ptr<std::int64_t>(), a.data_ptr<std::int64_t>() + n);
      best.centres = centres.to(torch::kFloat32);
      best.iterations = it;
    }
  }
  return best;
}

Clustering spectral_clustering(const torch::Tensor& x, std::int64_t k, std::uint64_t seed,
                               const SpectralOptions& options) {
  torch::NoGradGuard no_grad;
  const auto n = x.size(0);
  if (k < 1 || n < k) {
    throw ConfigError("spectral clustering: need at least k = " + std::to_string(k) +
                      " objects, have " + std::to_string(n));
  }
  if (options.neighbours < 1 || options.max_objects < std::max<std::int64_t>(k, 2)) {
    throw ConfigError("spectral clustering: neighbours must be >= 1 and max_objects >= max(k, 2)");
  }
  const auto u = F::normalize(x.to(torch::kFloat64), F::NormalizeFuncOptions().dim(1));
  if (n <= k) {
    std::vector<std::int64_t> each(n);
    for (std::int64_t i = 0; i < n; ++i) each[i] = i;
    return canonical(each, k, u, 0);
  }
  std::vector<std::int64_t> sample;
  if (n > options.max_objects) {
    sample = permutation(n, derive_seed(seed, {kMapSampleStream}));
    sample.resize(options.max_objects);
    std::sort(sample.begin(), sample.end());
  } else {
    sample.resize(n);
    for (std::int64_t i = 0; i < n; ++i) sample[i] = i;
  }
  const auto sample_rows = torch::tensor(sample);
  const auto fit = u.index_select(0, sample_rows);
  const auto embedded = spectral_embedding(fit, k, options.neighbours);
  const auto fitted = spherical_kmeans(embedded, k, seed, options.restarts);
  if (n == static_cast<std::int64_t>(sample.size())) {
    return canonical(fitted.assignment, k, u, fitted.iterations);
  }
  // The rows outside the sample join the majority cluster of their nearest sample rows; a tie
  // goes to the lower cluster. Blocked so that memory stays O(block x sample).
  std::vector<std::int64_t> assignment(n, -1);
  for (std::size_t j = 0; j < sample.size(); ++j) assignment[sample[j]] = fitted.assignment[j];
  const auto sample_cluster = torch::tensor(fitted.assignment);
  const auto nn = std::min<std::int64_t>(options.neighbours, fit.size(0));
  constexpr std::int64_t kBlock = 4096;
  for (std::int64_t r0 = 0; r0 < n; r0 += kBlock) {
    const auto rn = std::min(kBlock, n - r0);
    const auto nearest = std::get<1>(torch::matmul(u.narrow(0, r0, rn), fit.t()).topk(nn, 1));
    auto votes = torch::zeros({rn, k}, torch::kInt64);
    votes.scatter_add_(1, sample_cluster.index({nearest}), torch::ones_like(nearest));
    const auto winner = votes.argmax(1).contiguous();
    for (std::int64_t i = 0; i < rn; ++i) {
      if (assignment[r0 + i] < 0) assignment[r0 + i] = winner.data_ptr<std::int64_t>()[i];
    }
  }
  return canonical(assignment, k, u, fitted.iterations);
}

namespace {
std::string fixed(double v, int digits = 6) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
}  // namespace

void write_map_csv(std::ostream& out, const EmbeddingTable& table,
                   const std::vector<std::int64_t>& rows, const torch::Tensor& xy,
                   const std::vector<std::int64_t>* cluster) {
  const auto c = xy.to(torch::kFloat32).contiguous();
  const float* p = c.data_ptr<float>();
  out << (cluster ? "id,label,split,cluster,x,y\n" : "id,label,split,x,y\n");
  for (std::size_t j = 0; j < rows.size(); ++j) {
    const auto i = rows[j];
    out << ingest::csv_field(table.ids[i]) << "," << table.label_name(i) << "," << table.split[i]
        << ",";
    if (cluster) out << (*cluster)[j] << ",";
    out << fixed(p[2 * j]) << "," << fixed(p[2 * j + 1]) << "\n";
  }
}

ClusterCatalogueSummary summarise_clusters(const data::Survey& survey,
                                           const std::vector<std::string>& ids,
                                           const std::vector<std::int64_t>& assignment,
                                           std::int64_t k) {
  ClusterCatalogueSummary out;
  out.columns = data::normalization_columns();
  const auto nc = out.columns.size();
  std::unordered_map<std::string, std::int64_t> row_of;
  for (std::int64_t i = 0; i < survey.size(); ++i) row_of.emplace(survey.ids[i], i);
  std::vector<std::vector<double>> sum(k, std::vector<double>(nc, 0.0)), count = sum;
  std::vector<double> all_sum(nc, 0.0), all_sq(nc, 0.0), all_n(nc, 0.0);
  out.sizes.assign(k, 0);
  for (std::size_t j = 0; j < ids.size(); ++j) {
    const auto g = assignment[j];
    ++out.sizes[g];
    const auto it = row_of.find(ids[j]);
    if (it == row_of.end()) continue;
    const auto r = it->second;
    for (std::size_t c = 0; c < nc; ++c) {
      const bool photo = c < static_cast<std::size_t>(data::kNumPhotoCols);
      if (!photo && !survey.metadata.present[r]) continue;
      const double v =
          photo ? survey.photo_features(r)[c] : survey.meta_values(r)[c - data::kNumPhotoCols];
      if (!std::isfinite(v)) continue;
      sum[g][c] += v;
      count[g][c] += 1;
      all_sum[c] += v;
      all_sq[c] += v * v;
      all_n[c] += 1;
    }
  }
  out.means.assign(k, std::vector<double>(nc, std::numeric_limits<double>::quiet_NaN()));
  for (std::int64_t g = 0; g < k; ++g) {
    for (std::size_t c = 0; c < nc; ++c) {
      if (count[g][c] > 0) out.means[g][c] = sum[g][c] / count[g][c];
    }
  }
  for (std::size_t c = 0; c < nc; ++c) {
    if (all_n[c] < 2) continue;
    const double mean = all_sum[c] / all_n[c];
    const double sd = std::sqrt(std::max(0.0, all_sq[c] / all_n[c] - mean * mean));
    double lo = INFINITY, hi = -INFINITY;
    for (std::int64_t g = 0; g < k; ++g) {
      if (count[g][c] == 0) continue;
      lo = std::min(lo, out.means[g][c]);
      hi = std::max(hi, out.means[g][c]);
    }
    if (sd > 0 && hi >= lo) out.separation.push_back({(hi - lo) / sd, c});
  }
  std::sort(out.separation.rbegin(), out.separation.rend());
  return out;
}

void write_cluster_summary_csv(std::ostream& out, const ClusterCatalogueSummary& summary) {
  out << "cluster,size";
  for (const auto& c : summary.columns) out << ",mean_" << c;
  out << "\n";
  for (std::size_t g = 0; g < summary.sizes.size(); ++g) {
    out << g << "," << summary.sizes[g];
    for (double m : summary.means[g]) out << "," << (std::isnan(m) ? std::string() : fixed(m));
    out << "\n";
  }
}

void write_cluster_separation(std::ostream& out, const ClusterCatalogueSummary& summary,
                              std::size_t top) {
  out << "catalogue columns that separate the clusters most (difference of cluster means in "
         "standard deviations):\n";
  for (std::size_t s = 0; s < summary.separation.size() && s < top; ++s) {
    const auto c = summary.separation[s].second;
    out << "  " << summary.columns[c] << ": " << fixed(summary.separation[s].first, 2) << " (";
    for (std::size_t g = 0; g < summary.means.size(); ++g) {
      const double m = summary.means[g][c];
      out << (g ? ", " : "") << "cluster " << g << " " << (std::isnan(m) ? "-" : fixed(m, 3));
    }
    out << ")\n";
  }
}

}  // namespace astrom3::eval

#include "astrom3/eval/embedding_map.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>

#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"

namespace astrom3::eval {
namespace {
namespace F = torch::nn::functional;

// Stream of the sample that spectral clustering fits on large inputs, apart from k-means's.
constexpr std::uint64_t kSampleStream = 0x5ec7'5a3d;

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
    sample = permutation(n, derive_seed(seed, {kSampleStream}));
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

}  // namespace astrom3::eval

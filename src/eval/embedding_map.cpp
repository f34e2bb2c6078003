#include "astrom3/eval/embedding_map.h"

#include <torch/torch.h>

#include <limits>

#include "astrom3/common/error.h"
#include "astrom3/common/rng.h"

namespace astrom3::eval {
namespace {
namespace F = torch::nn::functional;
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
    // k-means++ on cosine distance.
    std::vector<std::int64_t> chosen = {rng.integer(0, n - 1)};
    while (static_cast<std::int64_t>(chosen.size()) < k) {
      const auto c = u.index_select(0, torch::tensor(chosen));
      const auto dist = (1.0 - std::get<0>(torch::matmul(u, c.t()).max(1))).clamp_min(0.0);
      const auto d = dist.contiguous();
      std::vector<double> w(d.data_ptr<double>(), d.data_ptr<double>() + n);
      double sum = 0;
      for (double v : w) sum += v * v;
      if (!(sum > 0)) {
        chosen.push_back(rng.integer(0, n - 1));
        continue;
      }
      for (auto& v : w) v = v * v;
      chosen.push_back(static_cast<std::int64_t>(rng.categorical(w)));
    }
    auto centres = u.index_select(0, torch::tensor(chosen));
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

}  // namespace astrom3::eval

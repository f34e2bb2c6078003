#include "astrom3/eval/embedding_probes.h"
#include "astrom3/common/tensor_values.h"

#include <torch/torch.h>

#include <algorithm>

namespace astrom3::eval {
std::vector<std::int64_t> nearest_centroid(const torch::Tensor& train, const torch::Tensor& labels,
                                           std::int64_t classes, const torch::Tensor& query) {
  auto centroids = torch::zeros({classes, train.size(1)});
  centroids.index_add_(0, labels, train);
  centroids = centroids / centroids.norm(2, {1}, true).clamp_min(1e-12);
  return tensor_values<std::int64_t>(torch::matmul(query, centroids.t()).argmax(1));
}

std::vector<std::int64_t> k_nearest_neighbours(const torch::Tensor& train,
                                               const torch::Tensor& labels, std::int64_t classes,
                                               const torch::Tensor& query, std::int64_t k) {
  k = std::min<std::int64_t>(k, train.size(0));
  std::vector<std::int64_t> out;
  const std::int64_t chunk = 1024;
  for (std::int64_t begin = 0; begin < query.size(0); begin += chunk) {
    const auto end = std::min(query.size(0), begin + chunk);
    const auto sims = torch::matmul(query.slice(0, begin, end), train.t());
    const auto top = sims.topk(k, 1);
    const auto neighbour_labels = labels.index({std::get<1>(top)});  // [c, k]
    // Votes plus a tie-breaking fraction: the summed similarity, scaled below one vote.
    auto votes = torch::zeros({end - begin, classes}, torch::kFloat64);
    votes.scatter_add_(1, neighbour_labels, torch::ones_like(std::get<0>(top), torch::kFloat64));
    auto weight = torch::zeros({end - begin, classes}, torch::kFloat64);
    weight.scatter_add_(1, neighbour_labels, (std::get<0>(top).to(torch::kFloat64) + 1.0) / 2.0);
    const auto score = votes + weight / static_cast<double>(k + 1);
    const auto predicted = tensor_values<std::int64_t>(score.argmax(1));
    out.insert(out.end(), predicted.begin(), predicted.end());
  }
  return out;
}

std::vector<std::int64_t> logistic_regression_probe(const torch::Tensor& train,
                                                    const torch::Tensor& labels,
                                                    std::int64_t classes,
                                                    const torch::Tensor& query, double l2) {
  const auto x = train.to(torch::kFloat64);
  auto w = torch::zeros({x.size(1), classes},
                        torch::TensorOptions().dtype(torch::kFloat64).requires_grad(true));
  auto b =
      torch::zeros({classes}, torch::TensorOptions().dtype(torch::kFloat64).requires_grad(true));
  torch::optim::LBFGS lbfgs(
      {w, b}, torch::optim::LBFGSOptions(1.0).max_iter(500).line_search_fn("strong_wolfe"));
  auto closure = [&] {
    lbfgs.zero_grad();
    const auto loss =
        torch::nn::functional::cross_entropy(torch::matmul(x, w) + b, labels) + l2 * w.pow(2).sum();
    loss.backward();
    return loss;
  };
  lbfgs.step(closure);
  torch::NoGradGuard no_grad;
  return tensor_values<std::int64_t>((torch::matmul(query.to(torch::kFloat64), w) + b).argmax(1));
}

}  // namespace astrom3::eval

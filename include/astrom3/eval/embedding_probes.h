// Classification from frozen embeddings, without fine-tuning (arXiv 2411.08842 §5;
// docs/embeddings.md): nearest class centroid, k-nearest neighbours and a multinomial
// logistic-regression probe, each fitted on train embeddings and applied to another split. Cosine
// similarity throughout.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace astrom3::eval {

/// Centroid = mean train embedding of a class, re-normalised; predict the most similar one.
/// train: [N, E] with labels [N] in [0, classes); query: [M, E]. Returns [M] predictions.
std::vector<std::int64_t> nearest_centroid(const torch::Tensor& train, const torch::Tensor& labels,
                                           std::int64_t classes, const torch::Tensor& query);

/// Majority vote of the k most similar train embeddings (ties: the class whose members are more
/// similar in total). Chunked over the queries.
std::vector<std::int64_t> k_nearest_neighbours(const torch::Tensor& train,
                                               const torch::Tensor& labels, std::int64_t classes,
                                               const torch::Tensor& query, std::int64_t k);

/// Multinomial logistic regression with L2 penalty `l2` on the weights, fitted by full-batch
/// L-BFGS (deterministic on CPU). Returns the predictions for `query`.
std::vector<std::int64_t> logistic_regression_probe(const torch::Tensor& train,
                                                    const torch::Tensor& labels,
                                                    std::int64_t classes,
                                                    const torch::Tensor& query, double l2 = 1e-4);

}  // namespace astrom3::eval

#include "astrom3/model/inference_chunks.h"

#include <torch/torch.h>

#include <algorithm>

namespace astrom3::model {

std::int64_t inference_chunk_rows(const data::Batch& batch, Precision precision) {
  const std::int64_t rows = precision == Precision::kBf16 ? 32 : 16;
  const bool cpu = batch.present.defined() && batch.present.device().is_cpu();
  if (!cpu || torch::GradMode::is_enabled() || batch.size() <= rows) return 0;
  return rows;
}

std::vector<torch::Tensor> forward_in_chunks(
    const data::Batch& batch, std::int64_t chunk,
    const std::function<std::vector<torch::Tensor>(const data::Batch&)>& forward) {
  const auto n = batch.size();
  if (chunk <= 0 || chunk >= n) return forward(batch);
  std::vector<std::vector<torch::Tensor>> parts;
  for (std::int64_t start = 0; start < n; start += chunk) {
    parts.push_back(forward(batch.slice(start, std::min(chunk, n - start))));
  }
  std::vector<torch::Tensor> out;
  for (std::size_t i = 0; i < parts.front().size(); ++i) {
    std::vector<torch::Tensor> pieces;
    pieces.reserve(parts.size());
    for (const auto& p : parts) pieces.push_back(p[i]);
    out.push_back(torch::cat(pieces, 0));
  }
  return out;
}

}  // namespace astrom3::model

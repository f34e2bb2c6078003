#include "astrom3/eval/retrieval.h"

#include <torch/torch.h>

#include <algorithm>
#include <vector>

namespace astrom3::eval {

RetrievalMetrics retrieval(const torch::Tensor& queries, const torch::Tensor& candidates,
                           std::int64_t chunk) {
  RetrievalMetrics m;
  const auto n = queries.size(0);
  m.queries = n;
  if (n == 0) return m;
  std::vector<std::int64_t> ranks;
  ranks.reserve(static_cast<std::size_t>(n));
  for (std::int64_t begin = 0; begin < n; begin += chunk) {
    const auto end = std::min(n, begin + chunk);
    const auto sims = torch::matmul(queries.slice(0, begin, end), candidates.t());  // [c, N]
    const auto own = sims.gather(1, torch::arange(begin, end, torch::kInt64).unsqueeze(1));
    // Rank = 1 + candidates at least as similar as the counterpart, other than itself.
    const auto rank = sims.ge(own).sum(1);
    const auto* r = rank.contiguous().data_ptr<std::int64_t>();
    ranks.insert(ranks.end(), r, r + (end - begin));
  }
  std::int64_t top1 = 0, top5 = 0;
  for (auto r : ranks) {
    top1 += r <= 1;
    top5 += r <= 5;
  }
  m.top1 = static_cast<double>(top1) / static_cast<double>(n);
  m.top5 = static_cast<double>(top5) / static_cast<double>(n);
  std::sort(ranks.begin(), ranks.end());
  const auto half = static_cast<std::size_t>(n / 2);
  m.median_rank = n % 2 ? static_cast<double>(ranks[half])
                        : 0.5 * static_cast<double>(ranks[half - 1] + ranks[half]);
  return m;
}

}  // namespace astrom3::eval

#include "astrom3/eval/embeddings.h"

#include <torch/torch.h>

namespace astrom3::eval {

void for_each_embedding_batch(model::AstroM3ModelImpl& model,
                              std::shared_ptr<const data::SampleStore> store,
                              const data::LoaderOptions& loader, const c10::Device& device,
                              const std::function<void(const EmbeddingBatch&)>& sink) {
  model.eval();
  torch::NoGradGuard no_grad;
  data::BatchLoader batches(std::move(store), loader, /*training=*/false, /*seed=*/0, device);
  batches.start_epoch(0);
  while (auto batch = batches.next()) {
    EmbeddingBatch out;
    const auto embeddings = model.embed(*batch);
    out.present = model.present(*batch).to(torch::kCPU);
    torch::Tensor sum, count;
    for (std::size_t m = 0; m < embeddings.size(); ++m) {
      const auto e = embeddings[m].to(torch::kFloat32).to(torch::kCPU);
      const auto has =
          out.present.select(1, static_cast<std::int64_t>(m)).to(torch::kFloat32).unsqueeze(1);
      out.modalities.push_back(e);
      sum = m == 0 ? e * has : sum + e * has;
      count = m == 0 ? has : count + has;
    }
    out.fused = sum / count.clamp_min(1.0);
    out.labels = batch->labels.to(torch::kCPU);
    out.rows = batch->rows.to(torch::kCPU);
    out.ids = batch->ids;
    sink(out);
  }
}

EmbeddingBatch compute_embeddings(model::AstroM3ModelImpl& model,
                                  std::shared_ptr<const data::SampleStore> store,
                                  const data::LoaderOptions& loader, const c10::Device& device) {
  std::vector<EmbeddingBatch> parts;
  for_each_embedding_batch(model, std::move(store), loader, device,
                           [&](const EmbeddingBatch& b) { parts.push_back(b); });
  EmbeddingBatch all;
  if (parts.empty()) return all;
  auto cat = [&](auto get) {
    std::vector<torch::Tensor> pieces;
    for (const auto& p : parts) pieces.push_back(get(p));
    return torch::cat(pieces, 0);
  };
  for (std::size_t m = 0; m < parts[0].modalities.size(); ++m) {
    all.modalities.push_back(cat([m](const EmbeddingBatch& b) { return b.modalities[m]; }));
  }
  all.fused = cat([](const EmbeddingBatch& b) { return b.fused; });
  all.present = cat([](const EmbeddingBatch& b) { return b.present; });
  all.labels = cat([](const EmbeddingBatch& b) { return b.labels; });
  all.rows = cat([](const EmbeddingBatch& b) { return b.rows; });
  for (const auto& p : parts) all.ids.insert(all.ids.end(), p.ids.begin(), p.ids.end());
  return all;
}

}  // namespace astrom3::eval

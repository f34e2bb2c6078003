#include "astrom3/data/batch.h"

#include <torch/torch.h>

#include "astrom3/data/schema.h"

namespace astrom3::data {

Batch Batch::to(const torch::Device& device, bool non_blocking) const {
  Batch b;
  b.photometry = photometry.to(device, non_blocking);
  b.photometry_mask = photometry_mask.to(device, non_blocking);
  b.spectra = spectra.to(device, non_blocking);
  b.metadata = metadata.to(device, non_blocking);
  b.labels = labels.to(device, non_blocking);
  b.present = present.to(device, non_blocking);
  b.rows = rows.to(device, non_blocking);
  b.ids = ids;
  b.global_offset = global_offset;
  b.global_size = global_size;
  return b;
}

Batch Batch::slice(std::int64_t start, std::int64_t count) const {
  const auto part = [&](const torch::Tensor& t) {
    return t.defined() ? t.narrow(0, start, count) : t;
  };
  Batch b;
  b.photometry = part(photometry);
  b.photometry_mask = part(photometry_mask);
  b.spectra = part(spectra);
  b.metadata = part(metadata);
  b.labels = part(labels);
  b.present = part(present);
  b.rows = part(rows);
  if (!ids.empty()) b.ids.assign(ids.begin() + start, ids.begin() + start + count);
  b.global_offset = global_offset + start;
  b.global_size = global_batch_size();
  return b;
}

Batch allocate_batch(std::int64_t batch_size, std::int64_t seq_len, bool pinned) {
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(pinned);
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64).pinned_memory(pinned);
  Batch b;
  b.photometry = torch::empty({batch_size, seq_len, kPhotometryChannels}, f32);
  b.photometry_mask = torch::empty({batch_size, seq_len}, f32);
  b.spectra = torch::empty({batch_size, kSpectrumChannels, kSpectrumGridSize}, f32);
  b.metadata = torch::empty({batch_size, kNumMetaCols}, f32);
  b.labels = torch::empty({batch_size}, i64);
  b.present = torch::empty({batch_size, 3},
                           torch::TensorOptions().dtype(torch::kBool).pinned_memory(pinned));
  b.rows = torch::empty({batch_size}, i64);
  b.ids.resize(static_cast<std::size_t>(batch_size));
  return b;
}

}  // namespace astrom3::data

// A batch of model inputs with named fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace astrom3::data {

struct Batch {
  torch::Tensor photometry;       // [B, L, 9] float32: t, flux, err, 4 photo_cols, log10 MAD, dt
  torch::Tensor photometry_mask;  // [B, L] float32: 1 = observed epoch, 0 = padding
  torch::Tensor spectra;          // [B, 3, 2575] float32: flux, ivar/MAD, log10 MAD
  torch::Tensor metadata;         // [B, 34] float32, z-scored
  torch::Tensor labels;           // [B] int64, -1 = unlabelled
  torch::Tensor present;          // [B, 3] bool: photometry, spectra, metadata usable
  torch::Tensor rows;             // [B] int64: rows in the survey file
  std::vector<std::string> ids;   // [B] object ids
  /// Under data parallelism a batch is one rank's rows [global_offset, global_offset + B) of
  /// a global batch of global_size rows; a single process holds the whole batch (0, B).
  std::int64_t global_offset = 0;
  std::int64_t global_size = -1;  // -1: the batch is the whole global batch

  std::int64_t global_batch_size() const { return global_size < 0 ? size() : global_size; }

  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }

  /// Copies every tensor to `device`; non_blocking needs pinned source memory to overlap.
  Batch to(const torch::Device& device, bool non_blocking = false) const;

  /// Rows [start, start + count) as views (no copy); global_offset moves with them.
  Batch slice(std::int64_t start, std::int64_t count) const;
};

/// Allocates an empty batch of `batch_size` samples (pinned host memory if `pinned`).
Batch allocate_batch(std::int64_t batch_size, std::int64_t seq_len, bool pinned);

}  // namespace astrom3::data

// Inference on the CPU in row chunks that stay in cache. A forward pass without gradients over
// a large batch streams every layer's activations through memory ([B, 200, 512] float32 is
// 105 MB at B = 256); in chunks of a few rows each layer's output is still in cache when the
// next layer reads it. Measured on 2 cores (paper model, docs/performance.md, "Inference in
// chunks"): 94 samples/s at batch 256 against 156 at batch 16 (fp32), 159 against 291 at batch
// 32 (bf16); batch 256 in these chunks gives 124 and 276. Every row is computed by the same
// operations either way; only the last bits of matrix products may differ with the chunk size, as
// with any other batch size.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "astrom3/common/precision.h"
#include "astrom3/data/batch.h"

namespace astrom3::model {

/// Rows per chunk for `batch` at `precision`: 16 (fp32) or 32 (bf16, half the bytes) for a
/// CPU batch computed without gradients and larger than that; 0 (the whole batch at once)
/// in training, with gradients, on GPUs (which want large batches) and for smaller batches.
std::int64_t inference_chunk_rows(const data::Batch& batch, Precision precision);

/// `forward` of consecutive row ranges of `chunk` rows, its outputs concatenated along dim 0
/// (each output [rows, ...] per call). chunk 0: one call with the whole batch.
std::vector<torch::Tensor> forward_in_chunks(
    const data::Batch& batch, std::int64_t chunk,
    const std::function<std::vector<torch::Tensor>(const data::Batch&)>& forward);

}  // namespace astrom3::model

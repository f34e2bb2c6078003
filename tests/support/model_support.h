// Small models and random batches for model and training tests.
#pragma once

#include <cstdint>

#include "astrom3/data/batch.h"
#include "astrom3/model/model_options.h"

namespace astrom3::test {

/// A model of a few thousand parameters: seq_len 20, 200-point spectra, no dropout.
model::ModelOptions tiny_model_options();

/// `n` objects with every modality, standard-normal inputs drawn from `seed`, no padding and
/// labels 0, 1, ..., 9, 0, ...
data::Batch random_batch(const model::ModelOptions& options, std::int64_t n, std::uint64_t seed);

}  // namespace astrom3::test

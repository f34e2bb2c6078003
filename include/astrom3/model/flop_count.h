// Analytic floating-point operation counts of the model, for benchmarks' achieved FLOP rates.
// Counted: the matrix products and convolutions of the model's mathematics, 2 FLOPs per
// multiply-add, one sample, forward pass. Element-wise work (norms, softmax, activations,
// pooling, dropout) is left out: it is memory-bound and under 2 % of the count for the paper
// configuration. ProbSparse attention is counted as defined (sampled keys and the active
// queries' rows), not as any implementation computes it.
#pragma once

#include "astrom3/model/model_options.h"

namespace astrom3::model {

struct ForwardFlops {
  double photometry = 0;   // encoder, without the projection
  double spectra = 0;      // encoder, without the projection
  double metadata = 0;     // encoder, without the projection
  double projections = 0;  // the modalities' projections to the embedding space
  double total() const { return photometry + spectra + metadata + projections; }
};

/// Per-sample forward FLOPs of the CLIP model with every modality of options.modalities.
ForwardFlops forward_flops(const ModelOptions& options);

/// Per-sample FLOPs of a training step, by the usual convention that the backward pass costs
/// twice the forward pass (one product for the input gradient, one for the weight gradient).
inline double training_flops(const ForwardFlops& f) {
  return 3.0 * f.total();
}

}  // namespace astrom3::model

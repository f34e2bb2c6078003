#include "astrom3/model/flop_count.h"

#include "astrom3/data/sample_store.h"
#include "astrom3/model/attention.h"
#include "astrom3/model/modality_encoder.h"
#include "astrom3/model/spectra_encoder.h"

namespace astrom3::model {
namespace {

double photometry_flops(const PhotometryEncoderOptions& p, double L) {
  const double d = static_cast<double>(p.d_model);
  double flops = 2.0 * L * static_cast<double>(p.input_channels) * 3.0 * d;  // token conv
  double attention = 0;
  if (p.attention == AttentionKind::kFull) {
    attention = 2.0 * (2.0 * L * L * d);  // scores and weighted values, all heads
  } else {
    const auto length = static_cast<std::int64_t>(L);
    const double u = static_cast<double>(probsparse_count(p.probsparse_factor, length));
    // Sampled scores of every query (u keys each), then the u active queries against all keys.
    attention = 2.0 * L * u * d + 2.0 * (2.0 * u * L * d);
  }
  const double projections = 4.0 * 2.0 * L * d * d;
  const double feed_forward = 2.0 * 2.0 * L * d * static_cast<double>(p.d_ff);
  flops += static_cast<double>(p.layers) * (projections + attention + feed_forward);
  return flops;
}

double spectra_flops(const SpectraEncoderOptions& s, std::int64_t length) {
  double flops = 0;
  std::int64_t n = length;
  const auto convs = s.channels.size() - 1;
  for (std::size_t i = 0; i < convs; ++i) {
    n -= s.kernel_size - 1;
    flops += 2.0 * static_cast<double>(n) * static_cast<double>(s.channels[i]) *
             static_cast<double>(s.kernel_size) * static_cast<double>(s.channels[i + 1]);
    if (i + 1 < convs) n /= s.pool_size;
  }
  return flops;
}

}  // namespace

ForwardFlops forward_flops(const ModelOptions& o) {
  ForwardFlops f;
  const double e = static_cast<double>(o.embedding_dim);
  for (const auto m : parse_modalities(o.modalities)) {
    if (m == data::kPhotometry) {
      const double L = static_cast<double>(o.seq_len);
      f.photometry = photometry_flops(o.photometry, L);
      const double features = o.photometry.pooling == Pooling::kFlatten
                                  ? L * static_cast<double>(o.photometry.d_model)
                                  : static_cast<double>(o.photometry.d_model);
      f.projections += 2.0 * features * e;
    } else if (m == data::kSpectra) {
      f.spectra = spectra_flops(o.spectra, o.spectrum_length);
      const double features = static_cast<double>(
          o.spectra.channels.back() * spectra_output_length(o.spectra, o.spectrum_length));
      f.projections += 2.0 * features * e;
    } else {
      const double in = static_cast<double>(o.metadata.input_dim);
      const double h = static_cast<double>(o.metadata.hidden_dim);
      f.metadata = 2.0 * (in * h + h * h);
      f.projections += 2.0 * h * e;
    }
  }
  return f;
}

}  // namespace astrom3::model

#include "support/model_support.h"

#include <torch/torch.h>

namespace astrom3::test {

model::ModelOptions tiny_model_options() {
  model::ModelOptions o;
  o.seq_len = 20;
  o.spectrum_length = 200;
  o.embedding_dim = 8;
  o.photometry.d_model = 16;
  o.photometry.d_ff = 32;
  o.photometry.layers = 1;
  o.photometry.max_len = 32;
  o.photometry.dropout = o.photometry.embedding_dropout = 0.0;
  o.spectra.channels = {3, 4, 4};
  o.spectra.dropout = 0.0;
  o.metadata.hidden_dim = 16;
  o.metadata.dropout = 0.0;
  return o;
}

data::Batch random_batch(const model::ModelOptions& o, std::int64_t n, std::uint64_t seed) {
  torch::manual_seed(seed);
  data::Batch b;
  b.photometry = torch::randn({n, o.seq_len, 9});
  b.photometry_mask = torch::ones({n, o.seq_len});
  b.spectra = torch::randn({n, 3, o.spectrum_length});
  b.metadata = torch::randn({n, 34});
  b.present = torch::ones({n, 3}, torch::kBool);
  b.labels = torch::arange(n, torch::kInt64) % 10;
  return b;
}

}  // namespace astrom3::test

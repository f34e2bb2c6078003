// The interface every modality encoder implements, so that the multimodal model holds a list
// of encoders instead of one hard-coded member per modality.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "astrom3/data/batch.h"
#include "astrom3/data/sample_store.h"
#include "astrom3/model/model_options.h"

namespace astrom3::model {

class ModalityEncoder : public torch::nn::Module {
 public:
  /// Features of this encoder's modality for every object of the batch: [B, output_features()].
  /// Objects without the modality get finite (meaningless) features; callers mask them.
  virtual torch::Tensor encode(const data::Batch& batch) = 0;
  virtual std::int64_t output_features() const = 0;
};

/// Modality names (photometry, spectra, metadata) <-> data columns (data::Modality).
data::Modality modality_from_name(const std::string& name);
const char* modality_name(data::Modality modality);
/// One-letter key of a modality (p, s, m), used in pair names.
char modality_letter(data::Modality modality);
/// Parses a modality list; ConfigError on an unknown or repeated name.
std::vector<data::Modality> parse_modalities(const std::vector<std::string>& names);

/// The encoder of one modality, built from the model options.
std::shared_ptr<ModalityEncoder> make_encoder(data::Modality modality, const ModelOptions& options);

}  // namespace astrom3::model

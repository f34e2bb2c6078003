#include "astrom3/model/modality_encoder.h"

#include <torch/torch.h>

#include "astrom3/common/error.h"
#include "astrom3/model/metadata_encoder.h"
#include "astrom3/model/photometry_encoder.h"
#include "astrom3/model/spectra_encoder.h"

namespace astrom3::model {

data::Modality modality_from_name(const std::string& name) {
  if (name == "photometry") return data::kPhotometry;
  if (name == "spectra") return data::kSpectra;
  if (name == "metadata") return data::kMetadata;
  throw ConfigError("unknown modality \"" + name + "\" (expected photometry, spectra, metadata)");
}

char modality_letter(data::Modality modality) {
  switch (modality) {
    case data::kPhotometry:
      return 'p';
    case data::kSpectra:
      return 's';
    case data::kMetadata:
      return 'm';
  }
  throw Error("invalid modality");
}

std::shared_ptr<ModalityEncoder> make_encoder(data::Modality modality, const ModelOptions& o) {
  switch (modality) {
    case data::kPhotometry:
      return PhotometryEncoder(o.photometry, o.seq_len, o.sampling_seed).ptr();
    case data::kSpectra:
      return SpectraEncoder(o.spectra, o.spectrum_length).ptr();
    case data::kMetadata:
      return MetadataEncoder(o.metadata).ptr();
  }
  throw Error("invalid modality");
}

const char* modality_name(data::Modality modality) {
  switch (modality) {
    case data::kPhotometry:
      return "photometry";
    case data::kSpectra:
      return "spectra";
    default:
      return "metadata";
  }
}

std::vector<data::Modality> parse_modalities(const std::vector<std::string>& names) {
  std::vector<data::Modality> out;
  for (const auto& name : names) {
    const auto m = modality_from_name(name);
    for (auto seen : out) {
      if (seen == m) throw ConfigError("model.modalities lists \"" + name + "\" twice");
    }
    out.push_back(m);
  }
  return out;
}

}  // namespace astrom3::model

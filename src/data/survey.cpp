#include "astrom3/data/survey.h"

#include "astrom3/common/error.h"

namespace astrom3::data {

const SplitSet& Survey::split_set(const std::string& name) const {
  auto it = split_sets.find(name);
  if (it != split_sets.end()) return it->second;
  std::string known;
  for (const auto& [key, value] : split_sets) known += (known.empty() ? "" : ", ") + key;
  throw DataError("split set \"" + name + "\" not found (this survey has: " +
                  (known.empty() ? std::string("none") : known) + ")");
}

SurveyBuilder::SurveyBuilder(std::vector<std::string> class_names) {
  survey_.class_names = std::move(class_names);
  survey_.photometry.offsets.push_back(0);
  survey_.spectra.offsets.push_back(0);
}

void SurveyBuilder::add(const Object& o) {
  auto& s = survey_;
  s.ids.push_back(o.id);
  s.labels.push_back(o.label);

  auto& p = s.photometry;
  p.present.push_back(o.has_photometry ? 1 : 0);
  if (o.has_photometry) {
    p.time.insert(p.time.end(), o.time.begin(), o.time.end());
    p.flux.insert(p.flux.end(), o.flux.begin(), o.flux.end());
    p.flux_err.insert(p.flux_err.end(), o.flux_err.begin(), o.flux_err.end());
  }
  p.offsets.push_back(static_cast<std::int64_t>(p.time.size()));
  p.features.insert(p.features.end(), o.photo_features.begin(), o.photo_features.end());

  auto& sp = s.spectra;
  sp.present.push_back(o.has_spectrum ? 1 : 0);
  if (o.has_spectrum) {
    sp.wavelength.insert(sp.wavelength.end(), o.wavelength.begin(), o.wavelength.end());
    sp.flux.insert(sp.flux.end(), o.spec_flux.begin(), o.spec_flux.end());
    sp.ivar.insert(sp.ivar.end(), o.ivar.begin(), o.ivar.end());
  }
  sp.offsets.push_back(static_cast<std::int64_t>(sp.wavelength.size()));

  s.metadata.present.push_back(o.has_metadata ? 1 : 0);
  s.metadata.values.insert(s.metadata.values.end(), o.meta.begin(), o.meta.end());
}

Survey SurveyBuilder::finish() {
  Survey out = std::move(survey_);
  survey_ = Survey{};
  survey_.photometry.offsets.push_back(0);
  survey_.spectra.offsets.push_back(0);
  return out;
}

}  // namespace astrom3::data

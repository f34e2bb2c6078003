#include "astrom3/ingest/survey_assembly.h"

#include <algorithm>

#include "astrom3/common/version.h"
#include "astrom3/data/normalization.h"

namespace astrom3::ingest {

data::Survey assemble_survey(std::vector<ImportedObject>& objects,
                             std::vector<std::string> class_names, ImportReport& report,
                             std::unordered_map<std::string, std::int64_t>& row_of) {
  data::SurveyBuilder builder(std::move(class_names));
  for (auto& o : objects) {
    ++report.seen;
    if (o.rejected.empty() && !o.lightcurve && !o.spectrum && !o.catalogue.meta_present) {
      o.rejected = "no light curve, spectrum or metadata";
      for (const auto& r : o.absent_reasons) o.rejected += "; " + r;
    }
    if (!o.rejected.empty()) {
      report.rejected.push_back({o.id, o.rejected});
      o = ImportedObject{};
      continue;
    }
    data::SurveyBuilder::Object b;
    b.id = o.id;
    b.label = o.label;
    b.has_photometry = o.lightcurve.has_value();
    if (o.lightcurve) {
      b.time = std::move(o.lightcurve->time);
      b.flux = std::move(o.lightcurve->flux);
      b.flux_err = std::move(o.lightcurve->flux_err);
    }
    std::copy(o.catalogue.photo.begin(), o.catalogue.photo.end(), b.photo_features.begin());
    b.has_spectrum = o.spectrum.has_value();
    if (o.spectrum) {
      b.wavelength = std::move(o.spectrum->wavelength);
      b.spec_flux = std::move(o.spectrum->flux);
      b.ivar = std::move(o.spectrum->ivar);
    }
    b.has_metadata = o.catalogue.meta_present;
    std::copy(o.catalogue.meta.begin(), o.catalogue.meta.end(), b.meta.begin());
    if (!o.absent_reasons.empty()) {
      PartialObject p{o.id, {}, ""};
      if (!b.has_photometry) p.absent.push_back("photometry");
      if (!b.has_spectrum) p.absent.push_back("spectra");
      if (!b.has_metadata) p.absent.push_back("metadata");
      for (const auto& r : o.absent_reasons) p.reason += (p.reason.empty() ? "" : "; ") + r;
      report.partial.push_back(std::move(p));
    }
    row_of.emplace(o.id, static_cast<std::int64_t>(row_of.size()));
    builder.add(b);
    ++report.imported;
    o = ImportedObject{};  // release the arrays as we go
  }
  return builder.finish();
}

data::SplitSet make_split_set(
    const data::Survey& survey, const std::unordered_map<std::string, std::int64_t>& row_of,
    const std::string& subset, int seed, const std::vector<std::string>& train,
    const std::vector<std::string>& val, const std::vector<std::string>& test,
    const std::vector<std::string>& unlabeled, const std::vector<std::string>& unseen) {
  auto rows = [&](const std::vector<std::string>& ids) {
    std::vector<std::int64_t> out;
    for (const auto& id : ids) {
      auto it = row_of.find(id);
      if (it != row_of.end()) out.push_back(it->second);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  data::SplitSet set;
  set.subset = subset;
  set.seed = seed;
  set.train = rows(train);
  set.val = rows(val);
  set.test = rows(test);
  set.unlabeled = rows(unlabeled);
  set.unseen = rows(unseen);
  set.normalization = data::fit_split_normalization(survey, set);
  return set;
}

void stamp_provenance(data::Survey& survey, const std::string& source_kind,
                      const std::string& source, const nlohmann::json& options) {
  survey.provenance["generator"] = "astrom3 prepare " + source_kind + " " + kVersion;
  survey.provenance["source"] = source;
  survey.provenance["options"] = options.dump();
}

}  // namespace astrom3::ingest

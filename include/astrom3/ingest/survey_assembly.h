// The step both importers end with: objects read from files, each complete, partial (a modality
// absent, with the reason) or rejected (with the reason), become a data::Survey and an
// ImportReport; split memberships given by id become split sets with fitted normalization.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "astrom3/data/survey.h"
#include "astrom3/ingest/catalogue_row.h"
#include "astrom3/ingest/import_report.h"
#include "astrom3/ingest/lamost_fits.h"
#include "astrom3/ingest/lightcurve_files.h"

namespace astrom3::ingest {

/// What an importer returns: the survey and the report of every object.
struct ImportResult {
  data::Survey survey;
  ImportReport report;
};

struct ImportedObject {
  std::string id;
  std::int32_t label = -1;
  std::optional<LightCurveData> lightcurve;  // absent when not set
  std::optional<SpectrumData> spectrum;
  CatalogueValues catalogue;  // catalogue.meta_present says whether metadata is present
  std::string rejected;       // non-empty: the reason the object is left out
  /// Why a modality is absent ("spectra: no file spec-1.fits under spectra/"); an object with
  /// absent modalities is reported as partial.
  std::vector<std::string> absent_reasons;
};

/// Moves the non-rejected objects, in order, into a survey with `class_names`, and records
/// every object in `report` (seen, imported, partial, rejected). An object left with no
/// modality at all is rejected. Returns the survey; `row_of` maps each imported id to its row.
data::Survey assemble_survey(std::vector<ImportedObject>& objects,
                             std::vector<std::string> class_names, ImportReport& report,
                             std::unordered_map<std::string, std::int64_t>& row_of);

/// A split set from ids (unknown ids, i.e. rejected objects, are skipped): rows sorted
/// ascending, normalization fitted on train and unlabeled.
data::SplitSet make_split_set(
    const data::Survey& survey, const std::unordered_map<std::string, std::int64_t>& row_of,
    const std::string& subset, int seed, const std::vector<std::string>& train,
    const std::vector<std::string>& val, const std::vector<std::string>& test,
    const std::vector<std::string>& unlabeled, const std::vector<std::string>& unseen = {});

/// Records how the survey was made: provenance `generator` ("astrom3 prepare <source_kind>
/// <version>"), `source` and `options` (JSON).
void stamp_provenance(data::Survey& survey, const std::string& source_kind,
                      const std::string& source, const nlohmann::json& options);

}  // namespace astrom3::ingest

// Writes a survey in the published AstroM3 raw layout (astrom3_layout.h): the inverse of
// import_astrom3_dataset, used by `astrom3 synth --raw-layout` so that the real-data path is
// exercised end to end without the real files. Values are written with the shortest decimal
// text that reads back exactly, so synth -> raw layout -> prepare reproduces every field.
#pragma once

#include <filesystem>
#include <string>

#include "astrom3/data/survey.h"

namespace astrom3::ingest {

struct RawLayoutSummary {
  std::int64_t lightcurves = 0;
  std::int64_t spectra_image = 0, spectra_table = 0, spectra_gzip = 0;
  std::int64_t split_sets = 0;
};

/// Spectra alternate between the two LAMOST layouts (image layout only for spectra on LAMOST's
/// grid) and between .fits.gz and .fits. `generator` is stored in every info.json (it marks the
/// files as synthetic for the paper-count check). `dir` must not exist or be empty; the layout is
/// built in `dir.partial` and renamed to `dir` only when complete.
RawLayoutSummary write_astrom3_layout(const data::Survey& survey, const std::filesystem::path& dir,
                                      const std::string& generator, int threads);

}  // namespace astrom3::ingest

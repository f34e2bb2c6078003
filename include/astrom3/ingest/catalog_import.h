// `astrom3 prepare catalog`: users' own light curves, spectra, catalogue and labels -> one
// survey file (docs/data-import.md).
//
//   lightcurves/<id>.csv   time (days) and flux, flux_err (mJy) or mag, mag_err (AB)
//   metadata.csv           id plus the 34 metadata and 4 photometry-feature columns by name
//   spectra/<id>.fits[.gz] or <id>.csv   (optional)
//   labels.csv             id, label (optional; an empty label means unlabelled)
//   splits.csv             id, split (train|val|test) and optionally set (optional)
//
// The objects are the union of the ids found in the three data sources. A missing file or row
// makes that modality absent (the object is imported as partial); a file or row that exists but
// cannot be read rejects the object. Both are listed with their reasons in the report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "astrom3/data/splits.h"
#include "astrom3/ingest/survey_assembly.h"

namespace astrom3::ingest {

struct CatalogImportOptions {
  std::filesystem::path lightcurves;  // directory of <id>.csv
  std::filesystem::path metadata;     // CSV keyed by `id`
  std::filesystem::path spectra;      // optional directory
  std::filesystem::path labels;       // optional CSV (id, label)
  std::filesystem::path splits;       // optional CSV (id, split[, set])
  std::string band;                   // select one band of multi-band light curves
  /// Catalogue columns the metadata CSV does not have (their values become missing).
  std::set<std::string> missing_columns;
  bool allow_missing_columns = false;
  /// Label vocabulary in label order. Empty: the paper's 10 classes when every label is one of
  /// them, otherwise the sorted distinct labels.
  std::vector<std::string> classes;
  /// Used when `splits` is empty: one generated split set named full_<seed>.
  data::RandomSplitOptions split;
  int threads = 1;
};

/// Throws DataError for problems with the inputs as a whole (a missing directory or CSV, a
/// duplicated id, two spectrum files for one id, a bad splits file); problems with one object
/// reject or partially import it (report).
ImportResult import_catalog(const CatalogImportOptions& options);

}  // namespace astrom3::ingest

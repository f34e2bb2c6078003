// The raw file layout of the published AstroM3 dataset (MeriDK/AstroM3Dataset on Hugging Face;
// docs/data-import.md), shared by the importer (`astrom3 prepare astrom3`) and the writer
// (`astrom3 synth --raw-layout`):
//
//   photometry.zip                      vardb_files/<name>.dat, one ASAS-SN light curve each
//   vardb_files/<name>.dat              (the same files, extracted; used when there is no zip)
//   spectra/<CLASS>/<spec_filename>     one LAMOST FITS per object (.fits or .fits.gz)
//   splits/<subset>/<seed>/train.csv    42 columns, one row per object (split_csv_columns)
//   splits/<subset>/<seed>/val.csv
//   splits/<subset>/<seed>/test.csv
//   splits/<subset>/<seed>/info.json    classes, column lists and normalization mean/std
//   splits/<subset>/<seed>/unlabeled.csv  astrom3 extension: objects without a class that
//                                         pre-training may use (target column empty)
//   splits/<subset>/<seed>/unseen.csv     astrom3 extension: objects of classes outside the
//                                         vocabulary, for open-set evaluation (target empty)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace astrom3::ingest {

/// The 42 split CSV columns in the published order: 36 catalogue columns (the photometry
/// features interleaved with the metadata columns), then id, target, name, spec_filename, l, b.
std::vector<std::string> split_csv_columns();

/// Zip entry (and extracted path relative to the root) of an object's light curve.
std::string photometry_entry(const std::string& name);

/// splits/<subset>/<seed>/<part>.csv relative path.
std::filesystem::path split_csv_path(const std::string& subset, int seed, const std::string& part);

/// Contents of one split directory's info.json.
struct SplitInfo {
  std::vector<std::string> classes;     // as listed (the label order is the sorted list)
  std::vector<std::string> meta_cols;   // 34
  std::vector<std::string> photo_cols;  // 4
  std::vector<std::string> all_cols;    // photo_cols + meta_cols
  std::vector<double> mean, std;        // [all_cols.size()]
  std::string generator;                // set by astrom3 synth; empty in the published files
  std::string synth_version;            // astrom3 synth's survey version ("2"); empty likewise
};

/// Parses info.json; throws DataError naming `source` for invalid JSON, missing keys, unknown
/// column names or mean/std lengths that differ from all_cols.
SplitInfo parse_split_info(const std::string& text, const std::string& source);
std::string split_info_json(const SplitInfo& info);

/// The normalization mean/std of `info` in astrom3's column order (data::normalization_columns).
void split_info_statistics(const SplitInfo& info, const std::string& source,
                           std::vector<double>& mean, std::vector<double>& std);

}  // namespace astrom3::ingest

// The 38 catalogue values of one CSV row (the 4 photometry features and the 34 metadata
// columns, by header name), shared by both importers. An empty cell is a missing value, stored
// as NaN: normalization skips it when fitting and imputes the train mean (z = 0) when loading
// (docs/data-format.md). A non-numeric cell is an error naming the file, line and column.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "astrom3/data/schema.h"
#include "astrom3/ingest/text_table.h"

namespace astrom3::ingest {

/// Column index of every catalogue value in a table; -1 for a column the table lacks.
struct CatalogueColumns {
  std::array<int, data::kNumPhotoCols> photo{};
  std::array<int, data::kNumMetaCols> meta{};
};

/// Locates the 38 columns. A column the table lacks must be named in `may_be_missing` (or
/// `all_may_be_missing` set); otherwise a DataError names the file and every absent column.
CatalogueColumns find_catalogue_columns(const CsvTable& table,
                                        const std::set<std::string>& may_be_missing,
                                        bool all_may_be_missing);

struct CatalogueValues {
  std::array<double, data::kNumPhotoCols> photo{};
  std::array<double, data::kNumMetaCols> meta{};
  /// False when every metadata cell is empty or its column is absent: the object then has no
  /// metadata modality (its values are stored as 0).
  bool meta_present = false;
};

/// Reads row `row`; counts empty cells of present columns per column name in `missing`.
CatalogueValues read_catalogue_row(const CsvTable& table, std::size_t row,
                                   const CatalogueColumns& columns,
                                   std::map<std::string, std::int64_t>& missing);

}  // namespace astrom3::ingest

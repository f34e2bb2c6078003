#include "astrom3/ingest/catalogue_row.h"

#include <cmath>
#include <limits>

#include "astrom3/common/error.h"

namespace astrom3::ingest {

CatalogueColumns find_catalogue_columns(const CsvTable& table,
                                        const std::set<std::string>& may_be_missing,
                                        bool all_may_be_missing) {
  CatalogueColumns c;
  std::string absent;
  auto locate = [&](const char* name) {
    const int index = table.column(name);
    if (index < 0 && !all_may_be_missing && !may_be_missing.count(name)) {
      absent += (absent.empty() ? "" : ", ") + std::string(name);
    }
    return index;
  };
  for (int k = 0; k < data::kNumPhotoCols; ++k) c.photo[k] = locate(data::kPhotoCols[k]);
  for (int k = 0; k < data::kNumMetaCols; ++k) c.meta[k] = locate(data::kMetaCols[k]);
  if (!absent.empty()) {
    throw DataError(table.source + ":1: missing catalogue column(s) " + absent +
                    " (declare columns you do not have with --missing-columns, or pass "
                    "--allow-missing-columns)");
  }
  return c;
}

CatalogueValues read_catalogue_row(const CsvTable& table, std::size_t row,
                                   const CatalogueColumns& columns,
                                   std::map<std::string, std::int64_t>& missing) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  CatalogueValues v;
  auto cell = [&](int col) {
    if (col < 0) return kNaN;
    const double x = csv_number(table, row, col, /*allow_empty=*/true);
    if (std::isinf(x)) {
      throw DataError(table.where(row) + ": column " + table.header[col] + ": infinite value");
    }
    return x;
  };
  auto count_missing = [&](int col, double x) {
    if (col >= 0 && std::isnan(x)) missing[table.header[col]] += 1;
  };
  for (int k = 0; k < data::kNumPhotoCols; ++k) {
    v.photo[k] = cell(columns.photo[k]);
    count_missing(columns.photo[k], v.photo[k]);
  }
  for (int k = 0; k < data::kNumMetaCols; ++k) {
    v.meta[k] = cell(columns.meta[k]);
    if (!std::isnan(v.meta[k])) v.meta_present = true;
  }
  if (!v.meta_present) {
    v.meta.fill(0.0);  // an absent modality; its empty cells are not "missing values"
    return v;
  }
  for (int k = 0; k < data::kNumMetaCols; ++k) count_missing(columns.meta[k], v.meta[k]);
  return v;
}

}  // namespace astrom3::ingest

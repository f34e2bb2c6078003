// `astrom3 prepare astrom3`: the published AstroM3 dataset's raw layout (astrom3_layout.h) ->
// one survey file. Reads every split set present, keeps the published membership and the
// published normalization statistics (info.json), and checks the paper's counts when the
// complete dataset is present.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "astrom3/data/survey.h"
#include "astrom3/ingest/import_report.h"
#include "astrom3/ingest/survey_assembly.h"

namespace astrom3::ingest {

struct AstroM3ImportOptions {
  std::filesystem::path root;
  /// Round HJD to float32 as the published Parquet files do (docs/data-import.md).
  bool hjd_float32 = false;
  /// Fit normalization on each imported train split instead of using info.json's statistics.
  bool refit_normalization = false;
  /// Turn a failed paper-count check into warnings (a partial download).
  bool allow_incomplete = false;
  int threads = 1;
};

/// Throws DataError for problems with the layout as a whole (no split files, missing
/// photometry, conflicting rows for one id, an id listed twice in one split set, a failed
/// paper-count check); problems with one object reject or partially import it (report).
ImportResult import_astrom3_dataset(const AstroM3ImportOptions& options);

/// full_42 of the published dataset (arXiv 2411.08842 §3; docs/data-import.md): train, val and test
/// counts per class, classes in sorted order (data::kClassNames).
extern const std::array<std::array<int, 3>, 10> kPaperFull42Counts;
inline constexpr int kPaperObjects = 21440;

/// Differences between `survey` (split set full_42) and the published dataset: object count,
/// split sizes, per-class counts, and objects imported partially. Empty when they agree.
std::vector<std::string> paper_count_mismatches(const data::Survey& survey,
                                                const ImportReport& report);

}  // namespace astrom3::ingest

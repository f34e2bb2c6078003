// What an import did with every object it saw: imported complete, imported with a modality
// absent ("partial"), or rejected, each with its reason. Written as JSON next to the survey
// file so that nothing is dropped silently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace astrom3::ingest {

struct Rejection {
  std::string id;      // object id, or the file name when no id is known
  std::string reason;  // names the file and line where the problem is
};

struct PartialObject {
  std::string id;
  std::vector<std::string> absent;  // modality names
  std::string reason;
};

struct ImportReport {
  std::string source;  // "astrom3" or "catalog"
  std::int64_t seen = 0;
  std::int64_t imported = 0;
  std::vector<Rejection> rejected;
  std::vector<PartialObject> partial;
  /// Empty catalogue cells per column (stored as NaN = missing, imputed at normalization).
  std::map<std::string, std::int64_t> missing_values;
  std::vector<std::string> warnings;
  double seconds = 0.0;

  nlohmann::json to_json() const;
  /// One line: "20000 objects seen: 19990 imported (12 partial), 10 rejected in 8.1 s".
  std::string summary() const;
};

/// FILE.h5 -> FILE.import-report.json (same directory).
std::filesystem::path report_path_for(const std::filesystem::path& survey_path);

/// Writes the report atomically.
void write_report(const ImportReport& report, const std::filesystem::path& path);

}  // namespace astrom3::ingest

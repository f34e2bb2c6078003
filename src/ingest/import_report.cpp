#include "astrom3/ingest/import_report.h"

#include <cstdio>

#include "astrom3/common/atomic_file.h"

namespace astrom3::ingest {

nlohmann::json ImportReport::to_json() const {
  nlohmann::json j;
  j["source"] = source;
  j["summary"] = {{"seen", seen},
                  {"imported", imported},
                  {"complete", imported - static_cast<std::int64_t>(partial.size())},
                  {"partial", partial.size()},
                  {"rejected", rejected.size()},
                  {"seconds", seconds},
                  {"objects_per_second", seconds > 0 ? seen / seconds : 0.0}};
  j["rejected"] = nlohmann::json::array();
  for (const auto& r : rejected) j["rejected"].push_back({{"id", r.id}, {"reason", r.reason}});
  j["partial"] = nlohmann::json::array();
  for (const auto& p : partial) {
    j["partial"].push_back({{"id", p.id}, {"absent", p.absent}, {"reason", p.reason}});
  }
  j["missing_values"] = missing_values;
  j["warnings"] = warnings;
  return j;
}

std::string ImportReport::summary() const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%lld objects seen: %lld imported (%zu partial), %zu rejected in %.1f s "
                "(%.0f objects/s)",
                static_cast<long long>(seen), static_cast<long long>(imported), partial.size(),
                rejected.size(), seconds, seconds > 0 ? seen / seconds : 0.0);
  return buf;
}

std::filesystem::path report_path_for(const std::filesystem::path& survey_path) {
  auto p = survey_path;
  p.replace_extension(".import-report.json");
  return p;
}

void write_report(const ImportReport& report, const std::filesystem::path& path) {
  write_text_file_atomic(path, report.to_json().dump(2) + "\n");
}

}  // namespace astrom3::ingest

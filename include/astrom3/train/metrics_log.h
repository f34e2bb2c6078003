// metrics.jsonl: one JSON object per line, flushed as it is written, so that a crashed or
// running job's metrics can be read (pandas.read_json(path, lines=True)). Every record has
// "type" ("step" or "epoch"), "epoch" and "global_step".
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace astrom3::train {

class MetricsLog {
 public:
  /// Appends to `path`. Records of steps after `keep_until_step` (left by a run that was
  /// interrupted after its last checkpoint) are dropped first, so a resumed run's log has no
  /// duplicates.
  MetricsLog(const std::filesystem::path& path, std::int64_t keep_until_step);
  void write(const nlohmann::json& record);

 private:
  std::ofstream out_;
};

}  // namespace astrom3::train

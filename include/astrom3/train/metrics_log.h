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
  /// duplicates. `restore` is the epoch record of the checkpoint being resumed (its manifest's
  /// `metrics`): it is appended when the log lacks it, as after a process killed between
  /// committing that checkpoint and writing the record. Other records are ignored.
  MetricsLog(const std::filesystem::path& path, std::int64_t keep_until_step,
             const nlohmann::json& restore = nlohmann::json());
  /// Appends one line. Throws Error with the system's reason when the disk refuses it.
  void write(const nlohmann::json& record);

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

}  // namespace astrom3::train

#include "astrom3/train/metrics_log.h"

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"

namespace astrom3::train {

MetricsLog::MetricsLog(const std::filesystem::path& path, std::int64_t keep_until_step,
                       const nlohmann::json& restore)
    : path_(path) {
  const bool restorable =
      restore.is_object() && restore.value("type", "") == "epoch" && restore.contains("epoch");
  bool restored = !restorable;
  std::ostringstream kept;
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (record.is_discarded()) continue;  // a line cut short by a crash
      if (record.value("global_step", std::int64_t{0}) > keep_until_step) continue;
      kept << line << '\n';
      if (restorable && record.value("type", "") == "epoch" &&
          record.value("epoch", std::int64_t{-1}) == restore["epoch"]) {
        restored = true;
      }
    }
  }
  if (!restored) kept << restore.dump() << '\n';
  if (std::filesystem::exists(path) || !restored) write_text_file_atomic(path, kept.str());
  out_.open(path, std::ios::app);
  if (!out_) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
}

void MetricsLog::write(const nlohmann::json& record) {
  out_ << record.dump() << '\n';
  out_.flush();
  // errno still holds the failed write's reason, e.g. "No space left on device".
  if (!out_) throw Error("cannot write " + path_.string() + ": " + std::strerror(errno));
}

}  // namespace astrom3::train

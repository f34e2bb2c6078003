#include "astrom3/dist/shard.h"

#include <algorithm>

#include "astrom3/common/error.h"

namespace astrom3::dist {

std::int64_t keep_shard(const std::vector<std::vector<std::int64_t>*>& parts, const Shard& shard) {
  std::int64_t total = 0;
  for (const auto* p : parts) total += static_cast<std::int64_t>(p->size());
  const auto keep = shard_range(total, shard);
  std::int64_t offset = 0;
  for (auto* p : parts) {
    const auto n = static_cast<std::int64_t>(p->size());
    const auto begin = std::clamp<std::int64_t>(keep.begin - offset, 0, n);
    const auto end = std::clamp<std::int64_t>(keep.end - offset, 0, n);
    *p = std::vector<std::int64_t>(p->begin() + begin, p->begin() + end);
    offset += n;
  }
  return total;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  try {
    if (slash != std::string::npos) {
      std::size_t a = 0, b = 0;
      const int index = std::stoi(text.substr(0, slash), &a);
      const int count = std::stoi(text.substr(slash + 1), &b);
      if (a == slash && b == text.size() - slash - 1 && count >= 1 && index >= 0 && index < count) {
        return {index, count};
      }
    }
  } catch (const std::exception&) {
  }
  throw ConfigError("--shard \"" + text + "\": expected I/N with 0 <= I < N, e.g. 3/16");
}

void require_all_shards(const std::string& command, const std::vector<int>& given, int count) {
  if (static_cast<int>(given.size()) == count) return;
  std::string missing;
  for (int k = 0; k < count; ++k) {
    if (std::find(given.begin(), given.end(), k) == given.end()) {
      missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    }
  }
  throw DataError(command + ": " + std::to_string(given.size()) + " of " + std::to_string(count) +
                  " shards given; missing shard(s) " + missing);
}

}  // namespace astrom3::dist

// Contiguous shards of an ordered range, shared by the data-parallel loaders (rows of a global
// batch) and sharded embedding (objects of a catalogue), so that the shards of any count
// concatenate, in index order, to the whole range.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace astrom3::dist {

struct Shard {
  int index = 0;  // 0 .. count - 1
  int count = 1;
};

struct Range {
  std::int64_t begin = 0, end = 0;  // [begin, end)
  std::int64_t size() const { return end - begin; }
};

/// Shard `shard` of [0, n): [floor(n * index / count), floor(n * (index + 1) / count)).
/// Sizes differ by at most one; every element is in exactly one shard.
inline Range shard_range(std::int64_t n, const Shard& shard) {
  return {n * shard.index / shard.count, n * (shard.index + 1) / shard.count};
}

/// The sizes of all `count` shards of [0, n), in shard order.
inline std::vector<std::int64_t> shard_sizes(std::int64_t n, int count) {
  std::vector<std::int64_t> sizes;
  for (int i = 0; i < count; ++i) sizes.push_back(shard_range(n, {i, count}).size());
  return sizes;
}

/// Shard `shard` of the concatenation of the lists `parts` points to, in order: each list keeps
/// the elements whose position in the concatenation lies in shard_range(total, shard), so that
/// the shards of any count concatenate to the whole. Returns the total (all shards' elements).
std::int64_t keep_shard(const std::vector<std::vector<std::int64_t>*>& parts, const Shard& shard);

/// Parses "I/N" (0 <= I < N); throws ConfigError quoting `text` otherwise.
Shard parse_shard(const std::string& text);

/// For merging shard files: throws DataError ("<command>: 2 of 3 shards given; missing
/// shard(s) 1") unless `given` (distinct indices) holds every shard of 0 .. count - 1.
void require_all_shards(const std::string& command, const std::vector<int>& given, int count);

}  // namespace astrom3::dist

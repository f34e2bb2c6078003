// Joins the shard files of a sharded embedding run (astrom3 embed --shard I/N, or a
// distributed launch) into one embedding file, identical in content to the file a single
// `astrom3 embed` over the whole catalogue writes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace astrom3::eval {

/// "<dir>/<stem>.shard-00003-of-00016<ext>" for shard 3 of 16 of `out`.
std::filesystem::path shard_file_path(const std::filesystem::path& out, int index, int count);

/// Checks that `shards` are all N shards of one run (each index once, the same checkpoint,
/// split set, modalities, classes and dimension, object counts adding up to the catalogue)
/// and writes their objects in shard order to `out`, atomically. Throws DataError naming the
/// file and the mismatch otherwise. Returns the number of objects written.
std::int64_t merge_embedding_files(const std::vector<std::filesystem::path>& shards,
                                   const std::filesystem::path& out);

}  // namespace astrom3::eval

#include "astrom3/eval/embedding_merge.h"

#include <torch/torch.h>

#include <cstdio>
#include <map>

#include "astrom3/common/error.h"
#include "astrom3/dist/shard.h"
#include "astrom3/eval/embedding_file.h"

namespace astrom3::eval {
namespace fs = std::filesystem;

fs::path shard_file_path(const fs::path& out, int index, int count) {
  char suffix[48];
  std::snprintf(suffix, sizeof(suffix), ".shard-%05d-of-%05d", index, count);
  return out.parent_path() / (out.stem().string() + suffix + out.extension().string());
}

namespace {

void require_same(const std::string& what, const std::string& a, const std::string& b,
                  const fs::path& first, const fs::path& other) {
  if (a != b) {
    throw DataError(other.string() + ": " + what + " \"" + b + "\" differs from \"" + a + "\" of " +
                    first.string() + "; the shards come from different runs");
  }
}

// Appends `t`'s rows to `writer` in runs of one split (the writer records one split per call).
void append_table(EmbeddingFileWriter& writer, const EmbeddingTable& t) {
  const auto n = t.info.objects;
  const auto& modalities = t.info.modalities;
  std::vector<torch::Tensor> present;
  for (const auto& m : modalities) present.push_back(t.present.at(m));
  const auto present_all = torch::stack(present, 1);
  const auto labels =
      torch::tensor(std::vector<std::int64_t>(t.labels.begin(), t.labels.end()), torch::kInt64);
  std::int64_t begin = 0;
  while (begin < n) {
    auto end = begin;
    while (end < n && t.split[end] == t.split[begin]) ++end;
    EmbeddingBatch batch;
    for (const auto& m : modalities)
      batch.modalities.push_back(t.of(m).narrow(0, begin, end - begin));
    batch.fused = t.of("fused").narrow(0, begin, end - begin);
    batch.present = present_all.narrow(0, begin, end - begin);
    batch.labels = labels.narrow(0, begin, end - begin);
    batch.ids.assign(t.ids.begin() + begin, t.ids.begin() + end);
    writer.append(batch, t.split[begin]);
    begin = end;
  }
}

}  // namespace

std::int64_t merge_embedding_files(const std::vector<fs::path>& shards, const fs::path& out) {
  if (shards.empty()) throw ConfigError("embed --merge: no shard files given");
  // Headers first (ids and masks only), to check the set before reading any matrix.
  std::map<int, fs::path> by_index;
  EmbeddingFileInfo info;
  std::int64_t objects = 0;
  for (const auto& path : shards) {
    const auto t = read_embedding_file(path, {"fused"});
    const auto& i = t.info;
    if (by_index.empty()) {
      info = i;
    } else {
      const auto& first = by_index.begin()->second;
      require_same("checkpoint", info.checkpoint, i.checkpoint, first, path);
      require_same("split_set", info.split_set, i.split_set, first, path);
      require_same("precision", info.precision, i.precision, first, path);
      require_same("modalities", nlohmann::json(info.modalities).dump(),
                   nlohmann::json(i.modalities).dump(), first, path);
      require_same("class_names", nlohmann::json(info.class_names).dump(),
                   nlohmann::json(i.class_names).dump(), first, path);
      require_same("dimension", std::to_string(info.dim), std::to_string(i.dim), first, path);
      require_same("shard_count", std::to_string(info.shard_count), std::to_string(i.shard_count),
                   first, path);
      require_same("catalogue_objects", std::to_string(info.catalogue_objects),
                   std::to_string(i.catalogue_objects), first, path);
    }
    if (!by_index.emplace(i.shard_index, path).second) {
      throw DataError(path.string() + ": shard " + std::to_string(i.shard_index) +
                      " is also given as " + by_index.at(i.shard_index).string());
    }
    objects += i.objects;
  }
  std::vector<int> given;
  for (const auto& entry : by_index) given.push_back(entry.first);
  dist::require_all_shards("embed --merge", given, info.shard_count);
  if (objects != info.catalogue_objects) {
    throw DataError("embed --merge: the shards hold " + std::to_string(objects) +
                    " objects, but their run embedded " + std::to_string(info.catalogue_objects));
  }
  info.objects = objects;
  info.shard_index = 0;
  info.shard_count = 1;
  info.catalogue_objects = objects;
  EmbeddingFileWriter writer(out, info);
  for (const auto& [index, path] : by_index) append_table(writer, read_embedding_file(path));
  writer.commit();
  return objects;
}

}  // namespace astrom3::eval

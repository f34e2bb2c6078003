// The HDF5 file `astrom3 embed` writes (docs/embeddings.md), streamed batch by batch and
// committed atomically:
//   /ids [N] str, /labels [N] int32 (-1 = unlabelled), /split [N] str (train | val | test),
//   /present/<modality> [N] uint8, /embeddings/<modality> [N, E] float32 (L2-normalised),
//   /embeddings/fused [N, E] float32 (mean over the modalities the object has);
//   root attributes: format ("astrom3-embeddings"), format_version, checkpoint, split_set,
//   modalities and class_names (JSON lists), shard_index and shard_count (0 and 1 for a whole
//   catalogue), catalogue_objects (objects in all shards together).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "astrom3/eval/embeddings.h"

namespace astrom3::eval {

struct EmbeddingFileInfo {
  std::string checkpoint;
  std::string split_set;
  std::vector<std::string> modalities;
  std::vector<std::string> class_names;
  std::int64_t objects = 0;
  std::int64_t dim = 0;
  std::string precision = "fp32";  // of the forward pass (embed --precision); fp32 in old files
  /// Sharded embedding (astrom3 embed --shard I/N): this file holds shard `shard_index` of
  /// `shard_count`, contiguous objects of a catalogue of `catalogue_objects`.
  int shard_index = 0;
  int shard_count = 1;
  std::int64_t catalogue_objects = -1;  // -1 when writing: equal to `objects`
};

class EmbeddingFileWriter {
 public:
  EmbeddingFileWriter(const std::filesystem::path& path, const EmbeddingFileInfo& info);
  ~EmbeddingFileWriter();
  EmbeddingFileWriter(const EmbeddingFileWriter&) = delete;
  EmbeddingFileWriter& operator=(const EmbeddingFileWriter&) = delete;

  /// Appends one batch; `split` names the split its objects belong to.
  void append(const EmbeddingBatch& batch, const std::string& split);
  /// Writes the per-object columns and renames the file into place. Throws DataError if fewer
  /// objects than announced were appended.
  void commit();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// An embedding file read back whole (docs/embeddings.md).
struct EmbeddingTable {
  EmbeddingFileInfo info;  // info.modalities excludes "fused"
  std::vector<std::string> ids;
  std::vector<std::int32_t> labels;  // -1 = unlabelled
  std::vector<std::string> split;    // train | val | test
  /// Modality name (the file's modalities plus "fused") -> [N, E] float32 as stored; only the
  /// spaces that were asked for when reading.
  std::map<std::string, torch::Tensor> embeddings;
  /// Modality name -> [N] bool; "fused" is present wherever any modality is.
  std::map<std::string, torch::Tensor> present;

  /// Row of `id`; throws DataError naming the file when absent.
  std::int64_t row_of(const std::string& id) const;
  /// Embeddings of `modality`; throws ConfigError listing the available ones (or, for a space of
  /// the file that was not read, saying so).
  const torch::Tensor& of(const std::string& modality) const;
  const torch::Tensor& present_in(const std::string& modality) const;
  /// Class name of `row`, "" when unlabelled.
  std::string label_name(std::int64_t row) const;
  /// [N] bool: the rows of split `name` (train, val or test).
  torch::Tensor in_split(const std::string& name) const;

  std::string path;
  std::unordered_map<std::string, std::int64_t> rows_by_id;  // filled by read_embedding_file
};

/// Reads and checks an embedding file; throws DataError naming the file and dataset. `spaces`
/// limits the [N, E] matrices read to those named (each 2 GB at 10^6 x 512); empty reads all.
/// Ids, labels, splits and every presence mask are always read.
EmbeddingTable read_embedding_file(const std::filesystem::path& path,
                                   const std::vector<std::string>& spaces = {});

}  // namespace astrom3::eval

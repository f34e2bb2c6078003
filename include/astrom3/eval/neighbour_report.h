// Output of `astrom3 search` (docs/embeddings.md): neighbour lists as CSV (one row per query and
// neighbour) or, for every object at once, as HDF5 arrays.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/similarity_search.h"

namespace astrom3::eval {

struct NeighbourReport {
  std::string modality;                  // the queries' space
  std::string against;                   // the candidates' space
  std::vector<std::int64_t> query_rows;  // rows of the embedding table
  Neighbours neighbours;                 // candidate rows of the same table
  /// Optional contrast: each neighbour's similarity to its query in another space ([Q, k],
  /// NaN where either lacks that modality); CSV rows are then ordered by it, least alike first.
  std::string contrast;
  torch::Tensor contrast_similarity;
};

/// CSV columns: query_id, query_label, query_split, rank (1 = most similar in `against`),
/// neighbour_id, neighbour_label, neighbour_split, similarity[, contrast_similarity]. Labels are
/// class names, empty for unlabelled objects; queries without neighbours have no rows.
void write_neighbours_csv(std::ostream& out, const EmbeddingTable& table,
                          const NeighbourReport& report);

/// HDF5: /ids [N] (the embedding file's), /query_rows [Q], /neighbour_rows [Q, k] (-1 = none),
/// /similarity [Q, k] float32, optionally /contrast_similarity [Q, k]; attributes format
/// ("astrom3-neighbours"), format_version, embeddings, modality, against, contrast, k.
/// Written atomically.
void write_neighbours_h5(const std::filesystem::path& path, const EmbeddingTable& table,
                         const NeighbourReport& report);

}  // namespace astrom3::eval

// Settings of the commands that work on files rather than train: the analysis commands (search,
// outliers, misclassified, map) and prepare. Each is one section of RunConfig, so that
// --config, --set and --dump-config work for them as for training (docs/configuration.md).
// Inputs and outputs (--embeddings, --out, --query, --root, ...) stay flags: they name files of
// one invocation, not settings to keep.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "astrom3/common/enum_names.h"
#include "astrom3/data/splits.h"
#include "astrom3/eval/embedding_map.h"

namespace astrom3::config {

/// Which objects `search` may return: any, or only those of one split of the split set.
enum class CandidateSplit { kAny, kTrain, kVal, kTest };

inline const EnumNames<CandidateSplit>& candidate_split_names() {
  static const EnumNames<CandidateSplit> names{{"any", CandidateSplit::kAny},
                                               {"train", CandidateSplit::kTrain},
                                               {"val", CandidateSplit::kVal},
                                               {"test", CandidateSplit::kTest}};
  return names;
}

/// `search`: astrom3 search (docs/embeddings.md).
struct SearchCommandOptions {
  std::string modality = "fused";  // space of the queries: photometry | spectra | metadata | fused
  std::string against;             // space of the candidates; empty = modality
  std::string contrast;            // optional second space to compare neighbours in
  CandidateSplit candidates = CandidateSplit::kAny;  // the split names are the splits
  std::int64_t k = 10;                               // neighbours per query
};

/// `outliers`: astrom3 outliers.
struct OutliersCommandOptions {
  std::vector<std::string> modalities;  // modalities to test; empty = every one in the file
  double percentile = 99.0;             // per-class centroid-distance percentile, in [0, 100]
  std::int64_t knn = 5;                 // neighbours of the label-free k-NN distance score
  std::int64_t show = 15;               // rows of the terminal summary
};

/// `misclassified`: astrom3 misclassified.
struct MisclassifiedCommandOptions {
  std::string modality = "all";  // all | photometry | spectra | metadata | fused
  std::int64_t k = 10;           // neighbours of the k-NN vote
  std::int64_t show = 15;        // rows of the terminal summary
};

/// `map`: astrom3 map.
struct MapCommandOptions {
  std::string modality = "fused";  // photometry | spectra | metadata | fused
  std::string cluster_class;       // class to split into sub-clusters; empty = none
  std::int64_t clusters = 2;       // in [2, 50]
  eval::ClusterMethod cluster_method = eval::ClusterMethod::kSpectral;
  std::int64_t neighbours = 10;  // k of the spectral method's neighbour graph
  std::uint64_t seed = 0;        // of the clustering
};

/// `prepare.astrom3`: astrom3 prepare astrom3 (docs/data-import.md).
struct PrepareAstroM3Options {
  bool hjd_float32 = false;          // round HJD to float32 as the published Parquet files do
  bool refit_normalization = false;  // fit normalization on each imported train split
  bool allow_incomplete = false;     // a failed paper-count check warns instead of failing
};

/// `prepare.catalog`: astrom3 prepare catalog (docs/data-import.md).
struct PrepareCatalogOptions {
  std::string band;                          // band to keep from multi-band light curves
  std::vector<std::string> missing_columns;  // catalogue columns the metadata CSV lacks
  bool allow_missing_columns = false;        // accept any absent catalogue column as missing
  std::vector<std::string> classes;          // label vocabulary in label order; empty = inferred
  data::RandomSplitOptions split;            // the generated split set when there is no splits file
};

struct PrepareOptions {
  PrepareAstroM3Options astrom3;
  PrepareCatalogOptions catalog;
};

}  // namespace astrom3::config

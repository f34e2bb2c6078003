// Fixed vocabularies of the AstroM3 data: classes, catalogue columns, the spectral grid.
// Sources: arXiv 2411.08842 §3 and its feature table; the official code's METADATA_COLS and
// PHOTO_COLS (dev/core/main.py); docs/data-format.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace astrom3::data {

/// The ten classes in label order: labels are indices into the *sorted* class names, as in the
/// official code (`sorted(CLASSES)`).
inline constexpr std::array<const char*, 10> kClassNames = {"DSCT", "EA",  "EB",   "EW",  "HADS",
                                                            "M",    "ROT", "RRAB", "RRC", "SR"};
inline constexpr int kNumClasses = 10;

/// Class totals of the published dataset (21,440 objects; arXiv 2411.08842 §3), indexed like
/// kClassNames. The synthetic survey draws classes in these proportions by default.
inline constexpr std::array<int, 10> kPaperClassTotals = {255, 2916, 1976, 6168, 281,
                                                          268, 1839, 2351, 796,  4590};

/// The 34 metadata columns in tensor order (the official code's METADATA_COLS).
inline constexpr int kNumMetaCols = 34;
extern const std::array<const char*, kNumMetaCols> kMetaCols;

/// The 4 catalogue features fed to the photometry encoder (the official code's PHOTO_COLS).
inline constexpr int kNumPhotoCols = 4;
extern const std::array<const char*, kNumPhotoCols> kPhotoCols;
enum PhotoCol : int { kAmplitude = 0, kPeriod = 1, kLkslStatistic = 2, kRfrScore = 3 };

/// Normalization covers photo_cols then meta_cols (HF `all_cols`), 38 columns.
inline constexpr int kNumNormCols = kNumPhotoCols + kNumMetaCols;
std::vector<std::string> normalization_columns();

/// Index of a metadata column by name; -1 if absent.
int meta_col_index(const std::string& name);
/// Index of a class by name; -1 if absent.
int class_index(const std::string& name);

/// Spectral grid: 3850, 3852, ..., 8998 Angstrom (np.arange(3850, 9000, 2)).
inline constexpr double kSpectrumGridStart = 3850.0;
inline constexpr double kSpectrumGridStep = 2.0;
inline constexpr int kSpectrumGridSize = 2575;
inline constexpr int kSpectrumChannels = 3;

/// Photometry channels: t, flux, flux_err, 4 photo_cols, log10(MAD), delta_t.
inline constexpr int kPhotometryChannels = 9;

/// Split-set naming (docs/data-format.md): subsets full/sub50/sub25/sub10 x seeds 42, 0, 66, 12,
/// 123.
inline constexpr std::array<int, 5> kSplitSeeds = {42, 0, 66, 12, 123};
struct SubsetSpec {
  const char* name;
  int factor;  // the split holds about 1/factor of the full split's objects
};
inline constexpr std::array<SubsetSpec, 4> kSubsets = {
    SubsetSpec{"full", 1}, SubsetSpec{"sub50", 2}, SubsetSpec{"sub25", 4}, SubsetSpec{"sub10", 10}};
std::string split_set_name(const std::string& subset, int seed);

}  // namespace astrom3::data

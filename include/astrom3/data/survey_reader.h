// Reads a survey file (docs/data-format.md) in blocks of rows, for commands that stream a
// catalogue larger than memory (`predict`). Opening reads only attributes and dataset shapes;
// each block is read with HDF5 hyperslab selections, so memory follows the block, not the file.
// read_survey (survey_io.h) remains the way to load a whole file with its split sets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "astrom3/data/survey.h"
#include "astrom3/dist/shard.h"

namespace astrom3::data {

/// Which list of a split set a row is in.
enum class SplitMembership : std::uint8_t { none, train, val, test, unlabeled, unseen };

/// "train", "val", "test", "unlabeled", "unseen"; "" for none.
const char* split_membership_name(SplitMembership m);

/// The rows one run reads (`predict`): every row (`all`), or the rows whose membership is
/// `wanted`, in file order; shard `shard` takes a contiguous range of them, which lies in the
/// rows [first_row, end_row) (both 0 when the shard is empty).
struct RowSelection {
  std::int64_t catalogue = 0;  // selected rows of all shards
  std::int64_t objects = 0;    // selected rows of this shard
  std::int64_t first_row = 0, end_row = 0;
};

/// `membership` [rows] may be empty when `all`.
RowSelection select_rows(std::int64_t rows, const std::vector<SplitMembership>& membership,
                         bool all, SplitMembership wanted, const dist::Shard& shard);

class SurveyReader {
 public:
  /// Opens `path` and checks its format attributes and the shapes of its datasets; DataError
  /// naming the file and dataset otherwise.
  explicit SurveyReader(const std::filesystem::path& path);
  ~SurveyReader();
  SurveyReader(SurveyReader&&) noexcept;
  SurveyReader& operator=(SurveyReader&&) noexcept;

  const std::filesystem::path& path() const;
  std::int64_t size() const;
  const std::vector<std::string>& class_names() const;
  const std::map<std::string, std::string>& provenance() const;
  bool has_split_set(const std::string& name) const;

  /// Each row's list in split set `name`: [size()], one byte per object, built from the lists
  /// read in bounded pieces. DataError for an unknown set, a row index out of range, or a row in
  /// two lists.
  std::vector<SplitMembership> split_membership(const std::string& name) const;
  /// The normalization statistics of split set `name` (fitted on its train split).
  NormalizationStats normalization(const std::string& name) const;

  /// Rows [begin, end) as a Survey of end - begin objects: ragged offsets rebased to start at 0,
  /// the file's class names and provenance, no split sets. Checked as read_survey checks a whole
  /// file (validate_survey), except that id uniqueness is checked within the block only.
  /// DataError for a range outside [0, size()] or an object whose values leave the file.
  Survey read_rows(std::int64_t begin, std::int64_t end) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace astrom3::data

// Private structural checks shared by the whole-file reader (survey_io.cpp) and the block reader
// (survey_reader.cpp): the root's format attributes, dataset shapes and column lists. Every
// failure is a DataError naming the file and dataset.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/hdf5_file.h"

namespace astrom3::data {

/// The root attributes every reader needs, checked: format name and a supported version.
struct SurveyRoot {
  std::vector<std::string> class_names;
  std::map<std::string, std::string> provenance;
};
SurveyRoot read_survey_root(const h5::Location& root);

/// DataError unless `dims` is [rows] (cols == 0) or [rows, cols].
void expect_rows(const h5::Location& g, const std::string& name,
                 const std::vector<std::uint64_t>& dims, std::uint64_t rows,
                 std::uint64_t cols = 0);

/// DataError unless attribute `attr` of `g` is the JSON list `expected`.
void expect_columns(const h5::Location& g, const std::string& attr,
                    const std::vector<std::string>& expected);

}  // namespace astrom3::data

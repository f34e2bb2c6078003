// Reading and writing survey files (HDF5, format described in docs/data-format.md).
#pragma once

#include <cstdint>
#include <filesystem>

#include "astrom3/data/survey.h"

namespace astrom3::data {

/// Name and version of the format this build reads and writes. Readers accept any file with
/// this format name and a version <= kSurveyFormatVersion; extra groups (new modalities) are
/// ignored by readers that do not know them.
inline constexpr const char* kSurveyFormatName = "astrom3-survey";
inline constexpr std::int64_t kSurveyFormatVersion = 1;

/// Writes `survey` to `path` atomically (temporary file, then rename).
void write_survey(const Survey& survey, const std::filesystem::path& path);

/// Reads and fully validates a survey file. Throws DataError naming the file, group, object
/// id and field on the first structural problem, or listing the validation violations.
Survey read_survey(const std::filesystem::path& path);

}  // namespace astrom3::data

// Semantic checks of a survey beyond its HDF5 structure: offsets, value ranges, finiteness,
// label range, id uniqueness and split-set consistency.
#pragma once

#include <string>
#include <vector>

#include "astrom3/data/survey.h"

namespace astrom3::data {

/// One problem, located as precisely as possible.
struct Violation {
  std::string group;      // HDF5 group, e.g. "/photometry" or "/splits/full_42"
  std::string object_id;  // empty if not about one object
  std::string field;      // dataset or attribute
  std::string message;
};

/// Every violation found (empty if the survey is valid). Stops collecting after `limit`.
std::vector<Violation> validate_survey(const Survey& survey, std::size_t limit = 50);

/// "FILE: N violation(s):\n  /group object ID field: message" (at most 10 listed).
std::string format_violations(const std::string& file, const std::vector<Violation>& v);

}  // namespace astrom3::data

// What `astrom3 inspect` reports about a survey: counts per class and split set, modality
// coverage (including objects that preprocessing would reject), light-curve and spectrum
// length statistics, and each split set's normalization statistics.
#pragma once

#include <nlohmann/json.hpp>

#include "astrom3/data/survey.h"

namespace astrom3::data {

struct SummaryOptions {
  double min_spectrum_coverage = 0.5;  // as DataOptions: decides which spectra are rejected
  int threads = 1;
};

/// A JSON document; docs/data-format.md describes its keys.
nlohmann::json summarize_survey(const Survey& survey, const SummaryOptions& options);

/// Human-readable rendering of summarize_survey()'s result.
std::string format_summary(const nlohmann::json& summary);

}  // namespace astrom3::data

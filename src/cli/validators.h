// Numeric flag checks with short messages: CLI11's NonNegativeNumber and PositiveNumber print
// their range up to the largest double, a 309-digit number.
#pragma once

#include <CLI/CLI.hpp>

namespace astrom3::cli {

/// A finite number >= 0: "--threads: expected a number >= 0, got abc".
CLI::Validator non_negative();
/// A finite number > 0.
CLI::Validator positive();

}  // namespace astrom3::cli

#include "cli/validators.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace astrom3::cli {
namespace {

CLI::Validator number_check(bool strictly_positive) {
  const std::string what = strictly_positive ? "a number > 0" : "a number >= 0";
  return CLI::Validator(
      [strictly_positive, what](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double value = std::strtod(text.c_str(), &end);
        const bool parsed = !text.empty() && end && *end == '\0' && errno == 0;
        if (!parsed || !std::isfinite(value) || value < 0 || (strictly_positive && value == 0)) {
          return "expected " + what + ", got " + text;
        }
        return {};
      },
      strictly_positive ? "POSITIVE" : "NONNEGATIVE");
}

}  // namespace

CLI::Validator non_negative() {
  return number_check(false);
}

CLI::Validator positive() {
  return number_check(true);
}

}  // namespace astrom3::cli

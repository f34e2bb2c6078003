// The names of a closed set of option values (an enum class): the one place where a value
// becomes a string (config files, manifests, log lines) and a string becomes a value. Each area
// keeps its table next to its enum, so that every conversion goes through one list.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace astrom3 {

/// Configuration names in the order error messages list them. Every enumerator appears exactly
/// once.
template <typename E>
using EnumNames = std::vector<std::pair<std::string, E>>;

/// The name of `value`; std::logic_error when the table lacks it (a programming error).
template <typename E>
const std::string& name_of(E value, const EnumNames<E>& names) {
  for (const auto& [name, e] : names) {
    if (e == value) return name;
  }
  throw std::logic_error("an enumerator without a configuration name");
}

/// The enumerator called `name`, or nothing.
template <typename E>
std::optional<E> parse_enum(const std::string& name, const EnumNames<E>& names) {
  for (const auto& [n, e] : names) {
    if (n == name) return e;
  }
  return std::nullopt;
}

/// "a, b or c": the names for an error message.
template <typename E>
std::string names_list(const EnumNames<E>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i].first;
  }
  return out;
}

}  // namespace astrom3

// Strict mapping between JSON documents and options structs.
//
// Each options struct lists its fields once, in a `visit(Visitor&, Options&)` function, with
// the rule each value must satisfy. The same list drives FieldReader (JSON -> struct, rejecting
// unknown keys, wrong types and out-of-range values with the full key path) and FieldWriter
// (struct -> JSON, used by --dump-config and the saved run config).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "astrom3/common/enum_names.h"

namespace astrom3::config {

using Json = nlohmann::json;

/// A constraint on a scalar value, with the phrase used in error messages
/// ("a positive integer", "a number in [0, 1]").
template <typename T>
struct Rule {
  std::string expected;
  std::function<bool(const T&)> ok;
};

Rule<std::int64_t> positive_int();
Rule<std::int64_t> non_negative_int();
Rule<std::int64_t> int_in(std::int64_t lo, std::int64_t hi);  // lo <= v <= hi
Rule<std::int64_t> any_int();
Rule<double> real_in(double lo, double hi);
Rule<double> positive_real();
Rule<std::string> one_of(std::vector<std::string> choices);
Rule<std::string> non_empty_string();
Rule<std::string> any_string();
Rule<std::string> matches(std::function<bool(const std::string&)> ok, std::string expected);

using astrom3::EnumNames;
using astrom3::name_of;
using astrom3::parse_enum;

/// Violations collected while reading; thrown together as one ConfigError.
class Violations {
 public:
  void add(std::string message) { messages_.push_back(std::move(message)); }
  bool empty() const { return messages_.empty(); }
  /// Throws ConfigError listing every violation (one per line) if there is any.
  void throw_if_any() const;

 private:
  std::vector<std::string> messages_;
};

/// Reads fields from one JSON object. Absent keys keep the struct's default.
class FieldReader {
 public:
  FieldReader(const Json& object, std::string path, Violations& violations);
  /// Records every key of the object that no field() or section() call named.
  ~FieldReader();

  void field(const char* key, std::int64_t& value, const Rule<std::int64_t>& rule);
  void field(const char* key, int& value, const Rule<std::int64_t>& rule);
  void field(const char* key, std::uint64_t& value, const Rule<std::int64_t>& rule);
  void field(const char* key, double& value, const Rule<double>& rule);
  void field(const char* key, bool& value);
  void field(const char* key, std::string& value, const Rule<std::string>& rule);
  /// A JSON list of at least `min_size` values, each satisfying `element`.
  void field(const char* key, std::vector<std::int64_t>& value, const Rule<std::int64_t>& element,
             std::size_t min_size);
  /// A JSON list of at least `min_size` distinct strings, each satisfying `element`.
  void field(const char* key, std::vector<std::string>& value, const Rule<std::string>& element,
             std::size_t min_size);
  /// A JSON object of non-negative numbers whose keys must be among `allowed_keys`.
  void field(const char* key, std::map<std::string, double>& value,
             const std::vector<std::string>& allowed_keys);

  /// One of the names of an enum class; an unknown name is reported as "one of a, b, c".
  template <typename E, typename = std::enable_if_t<std::is_enum_v<E>>>
  void field(const char* key, E& value, const EnumNames<E>& names) {
    std::vector<std::string> choices;
    for (const auto& entry : names) choices.push_back(entry.first);
    std::string name = name_of(value, names);
    field(key, name, one_of(std::move(choices)));
    if (const auto parsed = parse_enum(name, names)) value = *parsed;
  }

  template <typename Options>
  void section(const char* key, Options& options) {
    if (!enter(key)) return;
    FieldReader child(object_[key], child_path(key), violations_);
    visit(child, options);
  }

 private:
  bool enter(const char* key);
  std::string child_path(const char* key) const;
  const Json* find(const char* key);
  template <typename T>
  void report(const char* key, const std::string& expected);

  const Json& object_;
  std::string path_;
  Violations& violations_;
  std::vector<std::string> seen_;
  bool valid_object_ = true;
};

/// Writes fields into a JSON object (the rules are ignored).
class FieldWriter {
 public:
  explicit FieldWriter(Json& object) : object_(object) { object_ = Json::object(); }

  template <typename T, typename R>
  void field(const char* key, const T& value, const R&) {
    object_[key] = value;
  }
  void field(const char* key, const bool& value) { object_[key] = value; }
  template <typename E>
  void field(const char* key, const E& value, const EnumNames<E>& names) {
    object_[key] = name_of(value, names);
  }
  template <typename T, typename R>
  void field(const char* key, const std::vector<T>& value, const R&, std::size_t) {
    object_[key] = value;
  }

  template <typename Options>
  void section(const char* key, const Options& options) {
    FieldWriter child(object_[key]);
    visit(child, const_cast<Options&>(options));
  }

 private:
  Json& object_;
};

/// Parses a JSON file; throws ConfigError naming the file, line and column on a syntax error.
Json parse_json_file(const std::filesystem::path& path);

/// Deep-merges `overlay` into `base`: objects merge key by key, everything else is replaced.
void merge(Json& base, const Json& overlay);

/// Dotted paths of the leaves where `a` and `b` differ, in key order: values that differ, and keys
/// that only one of them has (a whole absent object counts as its path). Lists compare whole.
std::vector<std::string> changed_keys(const Json& a, const Json& b);

/// Applies one "a.b.c=value" assignment. The path must already exist in `doc` (so that a typo
/// fails); the value is parsed as a JSON literal and, failing that, taken as a string.
void apply_assignment(Json& doc, const std::string& assignment);

}  // namespace astrom3::config

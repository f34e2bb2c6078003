#include "astrom3/config/config_tree.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "astrom3/common/error.h"

namespace astrom3::config {

Rule<std::int64_t> positive_int() {
  return {"a positive integer", [](const std::int64_t& v) { return v > 0; }};
}
Rule<std::int64_t> non_negative_int() {
  return {"a non-negative integer", [](const std::int64_t& v) { return v >= 0; }};
}
Rule<std::int64_t> int_in(std::int64_t lo, std::int64_t hi) {
  return {"an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
          [lo, hi](const std::int64_t& v) { return v >= lo && v <= hi; }};
}
Rule<std::int64_t> any_int() {
  return {"an integer", [](const std::int64_t&) { return true; }};
}
Rule<double> real_in(double lo, double hi) {
  std::ostringstream s;
  s << "a number in [" << lo << ", " << hi << "]";
  return {s.str(), [lo, hi](const double& v) { return v >= lo && v <= hi; }};
}
Rule<double> positive_real() {
  return {"a positive number", [](const double& v) { return v > 0 && std::isfinite(v); }};
}
Rule<std::string> one_of(std::vector<std::string> choices) {
  std::string text = "one of";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    text += (i ? ", " : " ") + choices[i];
  }
  return {text, [choices](const std::string& v) {
            return std::find(choices.begin(), choices.end(), v) != choices.end();
          }};
}
Rule<std::string> non_empty_string() {
  return {"a non-empty string", [](const std::string& v) { return !v.empty(); }};
}
Rule<std::string> any_string() {
  return {"a string", [](const std::string&) { return true; }};
}
Rule<std::string> matches(std::function<bool(const std::string&)> ok, std::string expected) {
  return {std::move(expected), std::move(ok)};
}

void Violations::throw_if_any() const {
  if (messages_.empty()) return;
  std::string text;
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    text += (i ? "\n" : "") + messages_[i];
  }
  throw ConfigError(text);
}

FieldReader::FieldReader(const Json& object, std::string path, Violations& violations)
    : object_(object), path_(std::move(path)), violations_(violations) {
  if (!object_.is_object()) {
    violations_.add((path_.empty() ? std::string("config") : path_) + ": expected an object, got " +
                    object_.dump());
    valid_object_ = false;
  }
}

FieldReader::~FieldReader() {
  if (!valid_object_) return;
  for (const auto& item : object_.items()) {
    if (std::find(seen_.begin(), seen_.end(), item.key()) == seen_.end()) {
      violations_.add(child_path(item.key().c_str()) + ": unknown key");
    }
  }
}

std::string FieldReader::child_path(const char* key) const {
  return path_.empty() ? std::string(key) : path_ + "." + key;
}

const Json* FieldReader::find(const char* key) {
  seen_.emplace_back(key);
  if (!valid_object_) return nullptr;
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

bool FieldReader::enter(const char* key) {
  return find(key) != nullptr;
}

template <typename T>
void FieldReader::report(const char* key, const std::string& expected) {
  violations_.add(child_path(key) + ": expected " + expected + ", got " + object_[key].dump());
}

namespace {
// JSON integers, and reals with an exact integer value (1e3), are accepted as integers.
bool as_int(const Json& j, std::int64_t& out) {
  if (j.is_number_integer()) {
    if (j.is_number_unsigned() &&
        j.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return false;
    out = j.get<std::int64_t>();
    return true;
  }
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
      out = static_cast<std::int64_t>(d);
      return true;
    }
  }
  return false;
}
}  // namespace

void FieldReader::field(const char* key, std::int64_t& value, const Rule<std::int64_t>& rule) {
  const Json* j = find(key);
  if (!j) return;
  std::int64_t v = 0;
  if (!as_int(*j, v) || !rule.ok(v)) return report<std::int64_t>(key, rule.expected);
  value = v;
}

void FieldReader::field(const char* key, int& value, const Rule<std::int64_t>& rule) {
  std::int64_t wide = value;
  const Json* j = find(key);
  if (!j) return;
  seen_.pop_back();
  field(key, wide, rule);
  if (wide > std::numeric_limits<int>::max() || wide < std::numeric_limits<int>::min()) {
    return report<int>(key, rule.expected + " that fits in 32 bits");
  }
  value = static_cast<int>(wide);
}

void FieldReader::field(const char* key, std::uint64_t& value, const Rule<std::int64_t>& rule) {
  std::int64_t wide = static_cast<std::int64_t>(value);
  const Json* j = find(key);
  if (!j) return;
  seen_.pop_back();
  field(key, wide, rule);
  if (wide < 0) return report<std::uint64_t>(key, "a non-negative integer");
  value = static_cast<std::uint64_t>(wide);
}

void FieldReader::field(const char* key, double& value, const Rule<double>& rule) {
  const Json* j = find(key);
  if (!j) return;
  if (!j->is_number() || !rule.ok(j->get<double>())) return report<double>(key, rule.expected);
  value = j->get<double>();
}

void FieldReader::field(const char* key, bool& value) {
  const Json* j = find(key);
  if (!j) return;
  if (!j->is_boolean()) return report<bool>(key, "true or false");
  value = j->get<bool>();
}

void FieldReader::field(const char* key, std::string& value, const Rule<std::string>& rule) {
  const Json* j = find(key);
  if (!j) return;
  if (!j->is_string() || !rule.ok(j->get<std::string>())) {
    return report<std::string>(key, rule.expected);
  }
  value = j->get<std::string>();
}

void FieldReader::field(const char* key, std::vector<std::int64_t>& value,
                        const Rule<std::int64_t>& element, std::size_t min_size) {
  const Json* j = find(key);
  if (!j) return;
  const std::string expected =
      "a list of at least " + std::to_string(min_size) + " values, each " + element.expected;
  if (!j->is_array() || j->size() < min_size) return report<Json>(key, expected);
  std::vector<std::int64_t> out;
  for (const auto& e : *j) {
    std::int64_t v = 0;
    if (!as_int(e, v) || !element.ok(v)) return report<Json>(key, expected);
    out.push_back(v);
  }
  value = std::move(out);
}

void FieldReader::field(const char* key, std::vector<std::string>& value,
                        const Rule<std::string>& element, std::size_t min_size) {
  const Json* j = find(key);
  if (!j) return;
  const std::string expected = (min_size == 0 ? std::string("a list of")
                                              : "a list of at least " + std::to_string(min_size)) +
                               " distinct values, each " + element.expected;
  if (!j->is_array() || j->size() < min_size) return report<Json>(key, expected);
  std::vector<std::string> out;
  for (const auto& e : *j) {
    if (!e.is_string() || !element.ok(e.get<std::string>())) return report<Json>(key, expected);
    if (std::find(out.begin(), out.end(), e.get<std::string>()) != out.end()) {
      return report<Json>(key, expected);
    }
    out.push_back(e.get<std::string>());
  }
  value = std::move(out);
}

void FieldReader::field(const char* key, std::map<std::string, double>& value,
                        const std::vector<std::string>& allowed_keys) {
  const Json* j = find(key);
  if (!j) return;
  if (!j->is_object()) return report<Json>(key, "an object of non-negative numbers");
  std::map<std::string, double> parsed;
  bool ok = true;
  for (const auto& item : j->items()) {
    const auto path = child_path(key) + "." + item.key();
    if (std::find(allowed_keys.begin(), allowed_keys.end(), item.key()) == allowed_keys.end()) {
      violations_.add(path + ": unknown key");
      ok = false;
    } else if (!item.value().is_number() || !(item.value().get<double>() >= 0.0)) {
      violations_.add(path + ": expected a non-negative number, got " + item.value().dump());
      ok = false;
    } else {
      parsed[item.key()] = item.value().get<double>();
    }
  }
  if (ok) value = std::move(parsed);
}

Json parse_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot open config file " + path.string());
  try {
    return Json::parse(in, nullptr, true, /*ignore_comments=*/true);
  } catch (const Json::exception& e) {  // syntax, or a number beyond a double (1e400)
    throw ConfigError(path.string() + ": invalid JSON: " + e.what());
  }
}

void merge(Json& base, const Json& overlay) {
  if (base.is_object() && overlay.is_object()) {
    for (const auto& item : overlay.items()) {
      auto it = base.find(item.key());
      if (it != base.end() && it->is_object() && item.value().is_object()) {
        merge(*it, item.value());
      } else {
        base[item.key()] = item.value();
      }
    }
  } else {
    base = overlay;
  }
}

namespace {

void collect_changes(const Json& a, const Json& b, const std::string& path,
                     std::vector<std::string>& out) {
  if (!a.is_object() || !b.is_object()) {
    if (a != b) out.push_back(path);
    return;
  }
  const auto child = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key)) {
      out.push_back(child(key));
    } else {
      collect_changes(value, b.at(key), child(key), out);
    }
  }
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) out.push_back(child(key));
  }
}

}  // namespace

std::vector<std::string> changed_keys(const Json& a, const Json& b) {
  std::vector<std::string> out;
  collect_changes(a, b, "", out);
  std::sort(out.begin(), out.end());
  return out;
}

void apply_assignment(Json& doc, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError("--set \"" + assignment + "\": expected KEY.PATH=VALUE");
  }
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  Json* node = &doc;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!node->is_object() || !node->contains(part)) {
      throw ConfigError("--set " + path + ": unknown key (no such setting \"" +
                        path.substr(0, dot == std::string::npos ? path.size() : dot) + "\")");
    }
    node = &(*node)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  Json value;
  try {
    value = Json::parse(text);
  } catch (const Json::parse_error&) {
    value = text;  // not a JSON literal: a bare string such as cuda:0 or data/x.h5
  } catch (const Json::out_of_range&) {
    throw ConfigError("--set " + path + ": " + text + " is out of the range of a number");
  }
  *node = value;
}

}  // namespace astrom3::config

// Shared helpers for astrom3's tests.
#pragma once

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "astrom3/data/survey.h"

namespace astrom3::test {

/// A fresh temporary directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Parsed JSON from tests/data/<relative>.
nlohmann::json load_test_json(const std::string& relative);

/// A small synthetic survey (cached per (objects, seed) within the test process).
std::shared_ptr<const data::Survey> small_survey(std::int64_t objects = 300,
                                                 std::uint64_t seed = 11);

/// Runs `fn` and EXPECTs a DataError whose message contains every fragment (any other outcome,
/// including another exception type, is a test failure).
void expect_data_error(const std::function<void()>& fn,
                       std::initializer_list<std::string> fragments);
void expect_data_error(const std::function<void()>& fn, const std::string& fragment);

/// EXPECTs every field of `a` and `b` equal (values exactly, NaN != NaN), the provenance
/// attributes only when `provenance`.
void expect_same_survey(const data::Survey& a, const data::Survey& b, bool provenance = true);

}  // namespace astrom3::test

#include "support/test_support.h"

#include <fstream>
#include <map>
#include <mutex>
#include <random>

#include "astrom3/synth/survey_generator.h"

namespace astrom3::test {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("astrom3-test-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

nlohmann::json load_test_json(const std::string& relative) {
  std::ifstream in(std::string(ASTROM3_TEST_DATA_DIR) + "/" + relative);
  if (!in) throw std::runtime_error("missing test data " + relative);
  return nlohmann::json::parse(in);
}

std::shared_ptr<const data::Survey> small_survey(std::int64_t objects, std::uint64_t seed) {
  static std::mutex m;
  static std::map<std::pair<std::int64_t, std::uint64_t>, std::shared_ptr<const data::Survey>>
      cache;
  std::lock_guard<std::mutex> lock(m);
  auto& slot = cache[{objects, seed}];
  if (!slot) {
    synth::SynthOptions o;
    o.objects = objects;
    o.seed = seed;
    slot = std::make_shared<const data::Survey>(synth::generate_survey(o, 2));
  }
  return slot;
}

}  // namespace astrom3::test

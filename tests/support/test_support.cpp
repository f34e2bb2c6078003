#include "support/test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <mutex>
#include <random>

#include "astrom3/common/error.h"
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

void expect_data_error(const std::function<void()>& fn,
                       std::initializer_list<std::string> fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected a DataError";
  } catch (const DataError& e) {
    for (const auto& f : fragments) {
      EXPECT_NE(std::string(e.what()).find(f), std::string::npos)
          << "missing '" << f << "' in: " << e.what();
    }
  }
}

void expect_data_error(const std::function<void()>& fn, const std::string& fragment) {
  expect_data_error(fn, {fragment});
}

void expect_same_survey(const data::Survey& a, const data::Survey& b, bool provenance) {
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.class_names, b.class_names);
  if (provenance) {
    EXPECT_EQ(a.provenance, b.provenance);
  }
  EXPECT_EQ(a.photometry.present, b.photometry.present);
  EXPECT_EQ(a.photometry.offsets, b.photometry.offsets);
  EXPECT_EQ(a.photometry.time, b.photometry.time);
  EXPECT_EQ(a.photometry.flux, b.photometry.flux);
  EXPECT_EQ(a.photometry.flux_err, b.photometry.flux_err);
  EXPECT_EQ(a.photometry.features, b.photometry.features);
  EXPECT_EQ(a.spectra.present, b.spectra.present);
  EXPECT_EQ(a.spectra.offsets, b.spectra.offsets);
  EXPECT_EQ(a.spectra.wavelength, b.spectra.wavelength);
  EXPECT_EQ(a.spectra.flux, b.spectra.flux);
  EXPECT_EQ(a.spectra.ivar, b.spectra.ivar);
  EXPECT_EQ(a.metadata.present, b.metadata.present);
  EXPECT_EQ(a.metadata.values, b.metadata.values);
  ASSERT_EQ(a.split_sets.size(), b.split_sets.size());
  for (const auto& [name, set] : a.split_sets) {
    const auto& other = b.split_sets.at(name);
    EXPECT_EQ(set.subset, other.subset);
    EXPECT_EQ(set.seed, other.seed);
    EXPECT_EQ(set.train, other.train);
    EXPECT_EQ(set.val, other.val);
    EXPECT_EQ(set.test, other.test);
    EXPECT_EQ(set.unlabeled, other.unlabeled);
    EXPECT_EQ(set.unseen, other.unseen);
    EXPECT_EQ(set.normalization.mean, other.normalization.mean);
    EXPECT_EQ(set.normalization.std, other.normalization.std);
  }
}

}  // namespace astrom3::test

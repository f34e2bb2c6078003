#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "astrom3/data/batch_loader.h"
#include "astrom3/data/schema.h"
#include "support/test_support.h"

namespace astrom3::data {
namespace {

std::shared_ptr<const SampleStore> store_for(const std::string& split_set, bool train,
                                             bool cache = true, std::int64_t seq_len = 64) {
  auto survey = test::small_survey();
  const auto& set = survey->split_set(split_set);
  DataOptions o;
  o.seq_len = seq_len;
  o.cache_preprocessed = cache;
  return std::make_shared<SampleStore>(survey, train ? set.train : set.val, set.normalization, o,
                                       2);
}

std::vector<Batch> epoch(BatchLoader& loader, std::int64_t e) {
  loader.start_epoch(e);
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

void expect_equal(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i].photometry, b[i].photometry)) << "batch " << i;
    EXPECT_TRUE(torch::equal(a[i].photometry_mask, b[i].photometry_mask));
    EXPECT_TRUE(torch::equal(a[i].spectra, b[i].spectra));
    EXPECT_TRUE(torch::equal(a[i].metadata, b[i].metadata));
    EXPECT_TRUE(torch::equal(a[i].labels, b[i].labels));
    EXPECT_TRUE(torch::equal(a[i].present, b[i].present));
    EXPECT_EQ(a[i].ids, b[i].ids);
  }
}

TEST(BatchLoader, IdenticalBatchesForZeroOneTwoAndFourWorkers) {
  auto store = store_for("full_42", true);
  LoaderOptions o;
  o.batch_size = 32;
  o.workers = 0;
  BatchLoader reference(store, o, true, 42);
  const auto want = epoch(reference, 3);
  ASSERT_FALSE(want.empty());
  for (int workers : {1, 2, 4}) {
    o.workers = workers;
    o.prefetch = workers == 4 ? 1 : 3;
    BatchLoader loader(store, o, true, 42);
    SCOPED_TRACE(workers);
    expect_equal(epoch(loader, 3), want);
  }
}

TEST(BatchLoader, EveryObjectOncePerEpochAndOrderDependsOnSeedAndEpoch) {
  auto store = store_for("full_42", true);
  LoaderOptions o;
  o.batch_size = 25;
  o.drop_last = false;
  BatchLoader loader(store, o, true, 7);
  auto rows_of = [&](std::int64_t e) {
    std::vector<std::int64_t> rows;
    for (const auto& b : epoch(loader, e)) {
      for (std::int64_t i = 0; i < b.size(); ++i) rows.push_back(b.rows[i].item<std::int64_t>());
    }
    return rows;
  };
  const auto e0 = rows_of(0), e1 = rows_of(1);
  EXPECT_EQ(static_cast<std::int64_t>(e0.size()), store->size());
  EXPECT_EQ(std::set<std::int64_t>(e0.begin(), e0.end()).size(), e0.size());
  EXPECT_NE(e0, e1);
  EXPECT_EQ(rows_of(0), e0);  // replaying an epoch gives the same order
  BatchLoader other_seed(store, o, true, 8);
  other_seed.start_epoch(0);
  EXPECT_NE(other_seed.epoch_order(0), loader.epoch_order(0));
}

TEST(BatchLoader, DropLastOnlyForTraining) {
  auto store = store_for("full_42", true);
  LoaderOptions o;
  o.batch_size = 50;
  BatchLoader train(store, o, true, 1);
  BatchLoader eval(store, o, false, 1);
  EXPECT_EQ(train.batches_per_epoch(), store->size() / 50);
  EXPECT_EQ(eval.batches_per_epoch(), (store->size() + 49) / 50);
  const auto batches = epoch(eval, 0);
  EXPECT_EQ(batches.back().size(), store->size() - 50 * (eval.batches_per_epoch() - 1));
}

TEST(BatchLoader, ShapesMasksAndEvaluationIsDeterministicAcrossEpochs) {
  auto store = store_for("full_42", false, true, 64);
  LoaderOptions o;
  o.batch_size = 16;
  BatchLoader loader(store, o, false, 1);
  const auto a = epoch(loader, 0);
  const auto b = epoch(loader, 5);  // centre crops and fixed order: epoch does not matter
  expect_equal(a, b);
  const auto& x = a.front();
  EXPECT_EQ(x.photometry.sizes(), (std::vector<std::int64_t>{16, 64, kPhotometryChannels}));
  EXPECT_EQ(x.photometry_mask.sizes(), (std::vector<std::int64_t>{16, 64}));
  EXPECT_EQ(x.spectra.sizes(), (std::vector<std::int64_t>{16, 3, kSpectrumGridSize}));
  EXPECT_EQ(x.metadata.sizes(), (std::vector<std::int64_t>{16, kNumMetaCols}));
  EXPECT_TRUE(x.present.all().item<bool>());
  EXPECT_TRUE(torch::isfinite(x.photometry).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(x.spectra).all().item<bool>());
  // Light curves have >= 100 epochs, so a 64-epoch window is always full.
  EXPECT_EQ(x.photometry_mask.sum().item<float>(), 16.0f * 64.0f);
  // t within [0, 1]; the log10 MAD channel of a spectrum is constant.
  EXPECT_GE(x.photometry.select(2, 0).min().item<float>(), 0.0f);
  EXPECT_LE(x.photometry.select(2, 0).max().item<float>(), 1.0f);
  const auto logmad = x.spectra.select(1, 2);
  EXPECT_TRUE(torch::equal(logmad, logmad.select(1, 0).unsqueeze(1).expand_as(logmad)));
}

TEST(BatchLoader, TrainingCropsChangeWithTheEpoch) {
  auto store = store_for("full_42", true, true, 64);
  LoaderOptions o;
  o.batch_size = 16;
  o.shuffle = false;  // same objects in the same order: only the crops differ
  BatchLoader loader(store, o, true, 1);
  const auto a = epoch(loader, 0), b = epoch(loader, 1);
  EXPECT_EQ(a.front().ids, b.front().ids);
  EXPECT_FALSE(torch::equal(a.front().photometry, b.front().photometry));
  EXPECT_TRUE(torch::equal(a.front().spectra, b.front().spectra));
}

TEST(BatchLoader, CachedAndPerSamplePreprocessingAgree) {
  LoaderOptions o;
  o.batch_size = 20;
  BatchLoader cached(store_for("full_42", true, true), o, true, 3);
  BatchLoader fresh(store_for("full_42", true, false), o, true, 3);
  expect_equal(epoch(cached, 2), epoch(fresh, 2));
}

TEST(BatchLoader, AbsentModalitiesAreZeroWithPresentFalse) {
  SurveyBuilder b({kClassNames.begin(), kClassNames.end()});
  SurveyBuilder::Object o;
  o.id = "only-metadata";
  o.label = 2;
  o.has_photometry = false;
  o.has_spectrum = false;
  o.photo_features = {0.5, 1.0, 0.1, 0.9};
  b.add(o);
  SurveyBuilder::Object p = o;
  p.id = "bad-spectrum";
  p.has_photometry = true;
  p.time = {1.0, 2.0, 3.0};
  p.flux = {1.0f, 2.0f, 4.0f};
  p.flux_err = {0.1f, 0.1f, 0.1f};
  p.has_spectrum = true;
  p.wavelength = {6000.0f, 6100.0f};  // far too little coverage: rejected
  p.spec_flux = {1.0f, 1.0f};
  p.ivar = {1.0f, 1.0f};
  b.add(p);
  auto survey = std::make_shared<const Survey>(b.finish());
  NormalizationStats stats{std::vector<double>(kNumNormCols, 0.0),
                           std::vector<double>(kNumNormCols, 1.0)};
  DataOptions d;
  d.seq_len = 8;
  auto store = std::make_shared<SampleStore>(survey, std::vector<std::int64_t>{0, 1}, stats, d, 1);
  EXPECT_EQ(store->rejections().spectra, 1);
  LoaderOptions lo;
  lo.batch_size = 2;
  BatchLoader loader(store, lo, false, 0);
  const auto batch = *loader.next();
  EXPECT_FALSE(batch.present[0][0].item<bool>());
  EXPECT_FALSE(batch.present[0][1].item<bool>());
  EXPECT_TRUE(batch.present[0][2].item<bool>());
  EXPECT_TRUE(batch.present[1][0].item<bool>());
  EXPECT_FALSE(batch.present[1][1].item<bool>());
  EXPECT_EQ(batch.photometry[0].abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(batch.spectra.abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(batch.photometry_mask[1].sum().item<float>(), 3.0f);
  EXPECT_EQ(batch.labels[0].item<std::int64_t>(), 2);
}

}  // namespace
}  // namespace astrom3::data

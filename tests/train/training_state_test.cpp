// The typed training state against the JSON layout of every earlier version: a checkpoint that
// astrom3 wrote before the state became typed (tests/data/checkpoints/README.md) reads into the
// expected values and writes back byte for byte.
#include <gtest/gtest.h>

#include <fstream>

#include "astrom3/common/error.h"
#include "astrom3/config/run_config.h"
#include "astrom3/model/astrom3_model.h"
#include "astrom3/train/checkpoint.h"
#include "astrom3/train/training_state.h"

namespace astrom3::train {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kOldCheckpoint =
    fs::path(ASTROM3_TEST_DATA_DIR) / "checkpoints" / "clip-v1-mid-epoch";

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

TEST(TrainingState, ACheckpointWrittenBeforeTypedStateReadsIntoTheRecordedValues) {
  const auto m = read_manifest(kOldCheckpoint);
  EXPECT_EQ(m.kind, CheckpointKind::kClip);
  const auto& s = m.state;
  // Values from the file as committed (README.md there): epoch 3 of 4 in progress, step 2.
  EXPECT_EQ(s.epoch, 2);
  EXPECT_EQ(s.step_in_epoch, 2);
  EXPECT_EQ(s.global_step, 8);
  EXPECT_FALSE(s.stopped_early);
  EXPECT_EQ(s.schedule.plateau_lr, -1.0);
  EXPECT_TRUE(s.schedule.has_best);
  EXPECT_EQ(s.schedule.best, 38.560638427734375);
  EXPECT_EQ(s.schedule.bad_epochs, 0);
  EXPECT_TRUE(s.early_stopping.has_best);
  EXPECT_EQ(s.early_stopping.best, 38.560638427734375);
  EXPECT_EQ(s.early_stopping.bad_epochs, 0);
  ASSERT_TRUE(s.best.has_value());
  EXPECT_EQ(s.best->metric, BestMetric::kValAccuracy);
  ASSERT_TRUE(s.best->value.has_value());
  EXPECT_EQ(*s.best->value, 0.0625);
  EXPECT_EQ(s.best->epoch, 1);
  ASSERT_EQ(s.epoch_sums.size(), 7u);
  EXPECT_EQ(s.epoch_sums.at("batches"), 2.0);
  EXPECT_EQ(s.epoch_sums.at("counted"), 80.0);
}

TEST(TrainingState, WritesTheLayoutOfEarlierVersionsByteForByte) {
  const auto doc = read_json(kOldCheckpoint / kManifestFile);
  const auto& old = doc.at("training_state");
  EXPECT_EQ(to_json(training_state_from_json(old)).dump(), old.dump());
  // The whole manifest too: kind and state are the fields whose in-memory types changed.
  EXPECT_EQ(to_json(manifest_from_json(doc, "old")).dump(), doc.dump());
}

TEST(TrainingState, TheWeightsOfTheOldCheckpointLoadIntoTheModelItsManifestDescribes) {
  const auto m = read_manifest(kOldCheckpoint);
  auto model = model::AstroM3Model(config::model_options_from_json(m.model));
  EXPECT_NO_THROW(load_weights(kOldCheckpoint, *model));
}

TEST(TrainingState, EmptyObjectsOfAnUntrainedCheckpointReadAsDefaults) {
  const json untrained = {{"epoch", 0},
                          {"step_in_epoch", 0},
                          {"global_step", 0},
                          {"stopped_early", false},
                          {"schedule", json::object()},
                          {"early_stopping", json::object()},
                          {"best", json::object()},
                          {"epoch_sums", json::object()}};
  const auto s = training_state_from_json(untrained);
  EXPECT_EQ(s.schedule.plateau_lr, -1.0);
  EXPECT_FALSE(s.schedule.has_best);
  EXPECT_FALSE(s.early_stopping.has_best);
  EXPECT_FALSE(s.best.has_value());
  EXPECT_TRUE(s.epoch_sums.empty());
}

TEST(TrainingState, ABestWithoutValueRoundTripsAsNull) {
  TrainingState s;
  s.best = BestEpoch{BestMetric::kValLoss, std::nullopt, 4};
  const auto j = to_json(s);
  EXPECT_TRUE(j.at("best").at("value").is_null());
  EXPECT_EQ(j.at("best").at("metric"), "val_loss");
  const auto back = training_state_from_json(j);
  ASSERT_TRUE(back.best.has_value());
  EXPECT_EQ(back.best->metric, BestMetric::kValLoss);
  EXPECT_FALSE(back.best->value.has_value());
  EXPECT_EQ(back.best->epoch, 4);
}

TEST(TrainingState, AnImpossiblePositionIsRefused) {
  auto doc = read_json(kOldCheckpoint / kManifestFile);
  for (const auto& [key, value] :
       {std::make_pair("epoch", -1), std::make_pair("step_in_epoch", -2),
        std::make_pair("global_step", 1)}) {  // 1 global step, but 2 into the epoch
    auto bad = doc;
    bad["training_state"][key] = value;
    EXPECT_THROW(manifest_from_json(bad, "m.json"), DataError) << key;
  }
}

TEST(TrainingState, UnknownNamesInAManifestAreDataErrorsNamingTheFile) {
  auto doc = read_json(kOldCheckpoint / kManifestFile);
  auto bad_metric = doc;
  bad_metric["training_state"]["best"]["metric"] = "val_f1";
  try {
    manifest_from_json(bad_metric, "m.json");
    FAIL() << "an unknown best metric was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("m.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("val_f1"), std::string::npos) << e.what();
  }
  auto bad_kind = doc;
  bad_kind["kind"] = "detector";
  try {
    manifest_from_json(bad_kind, "m.json");
    FAIL() << "an unknown checkpoint kind was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("\"detector\" is not clip or classifier"),
              std::string::npos)
        << e.what();
  }
}

TEST(CheckpointKind, RequireKindNamesBothKindsAndTheUser) {
  CheckpointManifest m;
  m.kind = CheckpointKind::kClip;
  EXPECT_NO_THROW(require_kind(m, CheckpointKind::kClip, "ck", "export"));
  try {
    require_kind(m, CheckpointKind::kClassifier, "ck", "predict");
    FAIL() << "a clip checkpoint passed for a classifier";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "ck is a \"clip\" checkpoint; predict needs a classifier checkpoint");
  }
}

}  // namespace
}  // namespace astrom3::train

#include <gtest/gtest.h>

#include <fstream>

#include "astrom3/common/error.h"
#include "astrom3/config/config_tree.h"
#include "astrom3/config/run_config.h"
#include "support/test_support.h"

namespace astrom3::config {
namespace {

using nlohmann::json;

std::string error_of(const json& doc) {
  try {
    run_config_from_json(doc);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(RunConfig, DefaultsRoundTripThroughJson) {
  RunConfig c;
  c.data.seq_len = 123;
  c.synth.class_weights = {{"EW", 2.0}, {"M", 0.5}};
  c.runtime.device = "cuda:1";
  const RunConfig back = run_config_from_json(to_json(c));
  EXPECT_EQ(to_json(back), to_json(c));
  EXPECT_EQ(back.data.seq_len, 123);
  EXPECT_EQ(back.synth.class_weights.at("M"), 0.5);
}

TEST(RunConfig, WrongTypeNamesTheFullKeyPathAndTheValue) {
  EXPECT_EQ(error_of(json::parse(R"({"data": {"seq_len": "200x"}})")),
            "data.seq_len: expected an integer in [1, 1048576], got \"200x\"");
}

TEST(RunConfig, UnknownKeysAreRejectedAtEveryLevel) {
  EXPECT_EQ(error_of(json::parse(R"({"data": {"seq_lenn": 3}})")), "data.seq_lenn: unknown key");
  EXPECT_EQ(error_of(json::parse(R"({"dataa": {}})")), "dataa: unknown key");
  EXPECT_EQ(error_of(json::parse(R"({"synth": {"class_weights": {"XX": 1}}})")),
            "synth.class_weights.XX: unknown key");
}

TEST(RunConfig, OutOfRangeValuesAndBadEnumsAreRejected) {
  EXPECT_EQ(error_of(json::parse(R"({"loader": {"batch_size": 0}})")),
            "loader.batch_size: expected a positive integer, got 0");
  EXPECT_EQ(error_of(json::parse(R"({"data": {"min_spectrum_coverage": 1.5}})")),
            "data.min_spectrum_coverage: expected a number in [0, 1], got 1.5");
  EXPECT_EQ(error_of(json::parse(R"({"runtime": {"device": "gpu"}})")),
            "runtime.device: expected auto, cpu, cuda or cuda:N, got \"gpu\"");
  EXPECT_EQ(error_of(json::parse(R"({"loader": {"shuffle": 1}})")),
            "loader.shuffle: expected true or false, got 1");
  EXPECT_EQ(error_of(json::parse(R"({"data": {"seq_len": 2.5}})")),
            "data.seq_len: expected an integer in [1, 1048576], got 2.5");
}

TEST(RunConfig, AllViolationsAreReportedTogether) {
  const auto msg =
      error_of(json::parse(R"({"data": {"seq_len": -1}, "loader": {"workers": "x"}})"));
  EXPECT_NE(msg.find("data.seq_len"), std::string::npos);
  EXPECT_NE(msg.find("loader.workers"), std::string::npos);
}

TEST(RunConfig, PrecedenceDefaultsFileSetThenFlags) {
  test::TempDir dir;
  const auto file = dir / "c.json";
  std::ofstream(file) << R"({"data": {"seq_len": 100, "split_set": "sub10_42"},
                             "loader": {"batch_size": 64, "workers": 3}})";
  ConfigSources s;
  s.files = {file};
  s.assignments = {"loader.batch_size=32", "data.path=elsewhere.h5"};
  s.flags = {{"loader.batch_size", 16}};
  const RunConfig c = load_run_config(s);
  EXPECT_EQ(c.data.seq_len, 100);           // file over default
  EXPECT_EQ(c.data.split_set, "sub10_42");  // file
  EXPECT_EQ(c.loader.workers, 3);           // file, untouched by later layers
  EXPECT_EQ(c.data.path, "elsewhere.h5");   // --set, bare string
  EXPECT_EQ(c.loader.batch_size, 16);       // typed flag over --set over file
  EXPECT_EQ(c.runtime.device, "auto");      // default
}

TEST(RunConfig, SetRequiresAnExistingPathAndValidatesTheValue) {
  ConfigSources s;
  s.assignments = {"data.seq_length=3"};
  EXPECT_THROW(load_run_config(s), ConfigError);
  s.assignments = {"data.seq_len=200x"};
  try {
    load_run_config(s);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "data.seq_len: expected an integer in [1, 1048576], got \"200x\"");
  }
  s.assignments = {"no_equals_sign"};
  EXPECT_THROW(load_run_config(s), ConfigError);
}

TEST(RunConfig, UnknownKeyInAFileNamesTheFile) {
  test::TempDir dir;
  const auto file = dir / "bad.json";
  std::ofstream(file) << R"({"loader": {"batchsize": 3}})";
  ConfigSources s;
  s.files = {file};
  try {
    load_run_config(s);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.json"), std::string::npos);
    EXPECT_NE(msg.find("loader.batchsize: unknown key"), std::string::npos);
  }
}

TEST(RunConfig, InvalidJsonSyntaxIsAConfigError) {
  test::TempDir dir;
  const auto file = dir / "broken.json";
  std::ofstream(file) << R"({"data": )";
  ConfigSources s;
  s.files = {file};
  EXPECT_THROW(load_run_config(s), ConfigError);
}

TEST(RunConfig, NumbersBeyondADoubleAreConfigErrors) {
  // nlohmann's out_of_range once escaped as an unexpected error (exit 1 instead of 2).
  ConfigSources s;
  s.assignments = {"train.lr=1e400"};
  try {
    load_run_config(s);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--set train.lr: 1e400 is out of the range of a number"),
              std::string::npos)
        << e.what();
  }
  test::TempDir dir;
  const auto file = dir / "huge.json";
  std::ofstream(file) << R"({"train": {"lr": 1e400}})";
  ConfigSources f;
  f.files = {file};
  EXPECT_THROW(load_run_config(f), ConfigError);
}

TEST(RunConfig, KeysThatMustAgreeAreCheckedTogether) {
  // Each of these passed --dry-run and failed at the first step with a raw LibTorch error.
  const auto message = [](std::vector<std::string> assignments) {
    ConfigSources s;
    s.assignments = std::move(assignments);
    try {
      load_run_config(s);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(message({"model.photometry.d_model=30", "model.photometry.heads=4"}),
            "model.photometry.heads: 4 does not divide model.photometry.d_model (30)");
  EXPECT_NE(message({"model.photometry.input_channels=7"})
                .find("model.photometry.input_channels: must be 9"),
            std::string::npos);
  EXPECT_NE(message({"model.metadata.input_dim=33"}).find("model.metadata.input_dim: must be 34"),
            std::string::npos);
  EXPECT_NE(
      message({"model.spectra.channels=[1, 8, 8]"}).find("model.spectra.channels[0]: must be 3"),
      std::string::npos);
  // Sizes no machine holds are refused by key (embedding_dim=1e9 was an allocator failure).
  EXPECT_NE(message({"model.embedding_dim=1000000000"})
                .find("model.embedding_dim: expected an integer in [1, 65536]"),
            std::string::npos)
      << message({"model.embedding_dim=1000000000"});
  EXPECT_NE(message({"model.photometry.layers=1000"}).find("model.photometry.layers"),
            std::string::npos);
  EXPECT_NE(message({"data.seq_len=1"}).find("data.seq_len: probsparse attention"),
            std::string::npos);
  EXPECT_EQ(message({"data.seq_len=1", "model.photometry.attention=full"}), "(accepted)");
  // A file may set one of a pair that a later --set completes.
  EXPECT_EQ(message({"model.photometry.d_model=30", "model.photometry.heads=5"}), "(accepted)");
}

TEST(RunConfig, EveryShippedConfigLoads) {
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(ASTROM3_SOURCE_DIR) / "configs")) {
    if (e.path().extension() != ".json") continue;
    ConfigSources s;
    s.files = {e.path()};
    EXPECT_NO_THROW(load_run_config(s)) << e.path();
    ++n;
  }
  EXPECT_GT(n, 0);
}

}  // namespace
}  // namespace astrom3::config

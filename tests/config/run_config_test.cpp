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

namespace astrom3::config {
namespace {

// The sections of the commands that analyse files (command_options.h): typed, strict and
// round-tripping like the training sections.
TEST(RunConfig, AnalysisAndPrepareSectionsAreTypedStrictAndRoundTrip) {
  const auto c = run_config_from_json(nlohmann::json::parse(R"({
    "index": {"kind": "ivf", "lists": 7, "probes": 3, "seed": 9},
    "search": {"modality": "photometry", "against": "spectra", "candidates": "train", "k": 4},
    "outliers": {"modalities": ["spectra", "metadata"], "percentile": 95.5, "knn": 3},
    "misclassified": {"modality": "fused", "k": 6, "show": 0},
    "map": {"cluster_class": "M", "clusters": 3, "cluster_method": "kmeans", "seed": 5},
    "prepare": {"astrom3": {"hjd_float32": true},
                "catalog": {"band": "V", "classes": ["A", "B"],
                            "split": {"seed": 7, "val_fraction": 0.2, "stratified": true}}}
  })"));
  EXPECT_EQ(c.index.index, eval::IndexKind::kIvf);
  EXPECT_EQ(c.index.ivf.lists, 7);
  EXPECT_EQ(c.index.ivf.probes, 3);
  EXPECT_EQ(c.index.ivf.seed, 9u);
  EXPECT_EQ(c.search.against, "spectra");
  EXPECT_EQ(c.search.k, 4);
  EXPECT_EQ(c.outliers.modalities, (std::vector<std::string>{"spectra", "metadata"}));
  EXPECT_EQ(c.outliers.percentile, 95.5);
  EXPECT_EQ(c.outliers.show, 15);  // untouched default
  EXPECT_EQ(c.misclassified.show, 0);
  EXPECT_EQ(c.map.cluster_method, eval::ClusterMethod::kKMeans);
  EXPECT_EQ(c.map.neighbours, 10);
  EXPECT_TRUE(c.prepare.astrom3.hjd_float32);
  EXPECT_FALSE(c.prepare.astrom3.allow_incomplete);
  EXPECT_EQ(c.prepare.catalog.split.seed, 7u);
  EXPECT_EQ(c.prepare.catalog.split.test_fraction, 0.1);
  EXPECT_TRUE(c.prepare.catalog.split.stratified);

  const auto doc = to_json(c);
  EXPECT_EQ(doc["index"]["kind"], "ivf");  // enums are written by name
  EXPECT_EQ(doc["map"]["cluster_method"], "kmeans");
  EXPECT_EQ(to_json(run_config_from_json(doc)), doc);
  // Defaults are the values the flags had before the sections existed.
  const RunConfig d;
  EXPECT_EQ(to_json(d)["index"],
            nlohmann::json::parse(R"({"kind": "exact", "lists": 0, "probes": 16, "seed": 0})"));
  EXPECT_EQ(to_json(d)["map"]["cluster_method"], "spectral");
  EXPECT_EQ(d.outliers.percentile, 99.0);
  EXPECT_EQ(d.search.candidates, CandidateSplit::kAny);
}

TEST(RunConfig, AnalysisAndPrepareKeysAreCheckedWithTheirFullPath) {
  EXPECT_EQ(error_of(nlohmann::json::parse(R"({"index": {"kind": "hnsw"}})")),
            "index.kind: expected one of exact, ivf, got \"hnsw\"");
  EXPECT_EQ(error_of(nlohmann::json::parse(R"({"map": {"cluster_method": 1}})")),
            "map.cluster_method: expected one of spectral, kmeans, got 1");
  EXPECT_EQ(error_of(nlohmann::json::parse(R"({"map": {"clusters": 1}})")),
            "map.clusters: expected an integer in [2, 50], got 1");
  EXPECT_EQ(error_of(nlohmann::json::parse(R"({"outliers": {"percentil": 90}})")),
            "outliers.percentil: unknown key");
  EXPECT_EQ(error_of(nlohmann::json::parse(R"({"outliers": {"percentile": 101}})")),
            "outliers.percentile: expected a number in [0, 100], got 101");
  EXPECT_EQ(error_of(nlohmann::json::parse(R"({"search": {"candidates": "all"}})")),
            "search.candidates: expected one of any, train, val, test, got \"all\"");
  EXPECT_EQ(
      error_of(nlohmann::json::parse(R"({"prepare": {"catalog": {"classes": ["EW", "EW"]}}})")),
      "prepare.catalog.classes: expected a list of distinct values, each a non-empty string, "
      "got [\"EW\",\"EW\"]");
  EXPECT_EQ(error_of(nlohmann::json::parse(
                R"({"prepare": {"catalog": {"split": {"val_fraction": 2}}}})")),
            "prepare.catalog.split.val_fraction: expected a number in [0, 1], got 2");
  // Fractions that cannot be cut from one set of objects are refused when the config is loaded.
  ConfigSources sources;
  sources.assignments = {"prepare.catalog.split.val_fraction=0.6",
                         "prepare.catalog.split.test_fraction=0.6"};
  try {
    load_run_config(sources);
    ADD_FAILURE() << "fractions summing to 1.2 were accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("prepare.catalog.split.test_fraction: with "
                                         "prepare.catalog.split.val_fraction (0.600000) the "
                                         "held-out fractions exceed 1 (1.200000)"),
              std::string::npos)
        << e.what();
  }
  sources.assignments = {"prepare.catalog.split.val_fraction=0.5",
                         "prepare.catalog.split.test_fraction=0.5"};
  EXPECT_EQ(load_run_config(sources).prepare.catalog.split.test_fraction, 0.5);
}

// The enum field of FieldReader and FieldWriter, on a struct of its own.
enum class Colour { kRed, kGreen };
struct Paint {
  Colour colour = Colour::kGreen;
};
const EnumNames<Colour> kColours = {{"red", Colour::kRed}, {"green", Colour::kGreen}};
template <typename V>
void visit(V& v, Paint& p) {
  v.field("colour", p.colour, kColours);
}

TEST(ConfigTree, ChangedKeysNameEveryDifferingLeafOnce) {
  const json a = {{"data", {{"path", "a.h5"}, {"seq_len", 200}}},
                  {"loader", {{"batch_size", 32}}},
                  {"model", {{"channels", {3, 64}}, {"only_a", 1}}}};
  const json b = {{"data", {{"path", "b.h5"}, {"seq_len", 200}}},
                  {"loader", {{"batch_size", 32}}},
                  {"model", {{"channels", {3, 32}}, {"only_b", {{"x", 1}}}}},
                  {"extra", 1}};
  EXPECT_EQ(changed_keys(a, b), (std::vector<std::string>{"data.path", "extra", "model.channels",
                                                          "model.only_a", "model.only_b"}));
  EXPECT_TRUE(changed_keys(a, a).empty());
  EXPECT_EQ(changed_keys(json(1), json(2)), std::vector<std::string>{""});
}

TEST(ConfigTree, EnumFieldsReadAndWriteTheirNamesAndRefuseOthers) {
  Paint p;
  Violations violations;
  const auto red = nlohmann::json::parse(R"({"colour": "red"})");
  const auto blue = nlohmann::json::parse(R"({"colour": "blue"})");
  {
    FieldReader reader(red, "paint", violations);  // keeps a reference to the document
    visit(reader, p);
  }
  EXPECT_TRUE(violations.empty());
  EXPECT_EQ(p.colour, Colour::kRed);
  nlohmann::json out;
  {
    FieldWriter writer(out);
    visit(writer, p);
  }
  EXPECT_EQ(out, nlohmann::json::parse(R"({"colour": "red"})"));
  Paint q;
  {
    FieldReader reader(blue, "paint", violations);
    visit(reader, q);
  }
  EXPECT_EQ(q.colour, Colour::kGreen);  // a refused name leaves the value as it was
  try {
    violations.throw_if_any();
    ADD_FAILURE() << "no violation";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "paint.colour: expected one of red, green, got \"blue\"");
  }
  EXPECT_EQ(parse_enum("green", kColours), Colour::kGreen);
  EXPECT_FALSE(parse_enum("Green", kColours).has_value());
}

}  // namespace
}  // namespace astrom3::config

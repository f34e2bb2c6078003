#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/survey_io.h"
#include "astrom3/ingest/catalog_import.h"
#include "astrom3/ingest/lamost_fits.h"
#include "support/test_support.h"

namespace astrom3::ingest {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::trunc) << text;
}

// One metadata row: every catalogue column but w4_mag, value = 1 + column index / 10 (parallax
// 2.5 so magnitudes stay finite), with `overrides` by column name.
std::string metadata_csv(
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>>& rows) {
  std::vector<std::string> cols = {"id"};
  for (const auto& c : data::normalization_columns()) {
    if (c != "w4_mag") cols.push_back(c);
  }
  std::string out;
  for (std::size_t c = 0; c < cols.size(); ++c) out += (c ? "," : "") + cols[c];
  out += "\n";
  for (const auto& [id, overrides] : rows) {
    for (std::size_t c = 0; c < cols.size(); ++c) {
      std::string v =
          c == 0 ? id : (cols[c] == "parallax" ? "2.5" : std::to_string(1.0 + c / 10.0));
      if (auto it = overrides.find(cols[c]); it != overrides.end()) v = it->second;
      out += (c ? "," : "") + v;
    }
    out += "\n";
  }
  return out;
}

struct UserData {
  test::TempDir tmp;
  CatalogImportOptions options;
  UserData() {
    write(tmp / "lc/A.csv", "time,flux,flux_err\n58000.5,10,0.5\n58001.5,12,0.5\n");
    write(tmp / "lc/B.csv", "time,mag,mag_err\n100,15,0.1\n");
    write(tmp / "lc/C.csv", "time,flux,flux_err,band\n1,5,1,g\n2,6,1,V\n3,7,1,V\n");
    write(tmp / "lc/E.csv", "time,flux,flux_err\n");
    write(tmp / "lc/notes.txt", "not a light curve");
    SpectrumData s;
    for (int i = 0; i < 3909; ++i) {
      s.wavelength.push_back(lamost_wavelength(kLamostCoeff0, kLamostCoeff1, i));
      s.flux.push_back(100.0f + i);
      s.ivar.push_back(0.5f);
    }
    fs::create_directories(tmp / "spec");
    write_lamost_fits(tmp / "spec/A.fits.gz", s, LamostLayout::kCoaddTable);
    write_lamost_fits(tmp / "spec/D.fits", s, LamostLayout::kImage);
    write(tmp / "spec/B.csv", "wavelength,flux,flux_err\n4000,1,0.5\n4002,2,0.5\n");
    write(tmp / "meta.csv", metadata_csv({{"A", {}},
                                          {"B", {{"parallax", ""}}},
                                          {"C", {}},
                                          {"D", {}},
                                          {"F", {{"pmra", "fast"}}}}));
    write(tmp / "labels.csv", "id,label\nA,EW\nB,RRAB\nC,\nD,EA\nG,SR\n");
    options.lightcurves = tmp / "lc";
    options.metadata = tmp / "meta.csv";
    options.spectra = tmp / "spec";
    options.labels = tmp / "labels.csv";
    options.band = "V";
    options.missing_columns = {"w4_mag"};
    options.threads = 2;
  }
};

std::int64_t row_of(const data::Survey& s, const std::string& id) {
  const auto it = std::find(s.ids.begin(), s.ids.end(), id);
  return it == s.ids.end() ? -1 : it - s.ids.begin();
}

TEST(CatalogImport, ImportsCompletePartialAndRejectedObjectsWithReasons) {
  UserData u;
  const auto result = import_catalog(u.options);
  const auto& s = result.survey;
  const auto& r = result.report;
  EXPECT_EQ(s.ids, (std::vector<std::string>{"A", "B", "C", "D"}));
  EXPECT_EQ(s.class_names,
            std::vector<std::string>(data::kClassNames.begin(), data::kClassNames.end()));
  EXPECT_EQ(s.labels, (std::vector<std::int32_t>{data::class_index("EW"), data::class_index("RRAB"),
                                                 -1, data::class_index("EA")}));
  EXPECT_EQ(r.seen, 7);  // A-F plus the label of G
  EXPECT_EQ(r.imported, 4);
  std::map<std::string, std::string> rejected;
  for (const auto& x : r.rejected) rejected[x.id] = x.reason;
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_NE(rejected["E"].find("E.csv: empty light curve"), std::string::npos) << rejected["E"];
  EXPECT_NE(rejected["F"].find("meta.csv:6: column pmra: 'fast' is not a number"),
            std::string::npos)
      << rejected["F"];
  EXPECT_NE(rejected["G"].find("labels.csv:6"), std::string::npos) << rejected["G"];
  ASSERT_EQ(r.partial.size(), 2u);
  EXPECT_EQ(r.partial[0].id, "C");
  EXPECT_EQ(r.partial[0].absent, (std::vector<std::string>{"spectra"}));
  EXPECT_EQ(r.partial[1].id, "D");
  EXPECT_EQ(r.partial[1].absent, (std::vector<std::string>{"photometry"}));
  EXPECT_EQ(r.missing_values.at("parallax"), 1);

  // Values: A as given, B converted from AB magnitudes, C only its V epochs.
  const auto a = row_of(s, "A"), b = row_of(s, "B"), c = row_of(s, "C");
  EXPECT_EQ(s.epochs(a), 2);
  EXPECT_EQ(s.photometry.time[s.photometry.offsets[a]], 58000.5);
  EXPECT_NEAR(s.photometry.flux[s.photometry.offsets[b]], 3631e3 * std::pow(10.0, -6.0), 1e-6);
  EXPECT_EQ(s.epochs(c), 2);
  EXPECT_EQ(s.photometry.flux[s.photometry.offsets[c]], 6.0f);
  EXPECT_EQ(s.spectrum_pixels(a), 3909);
  EXPECT_EQ(s.spectrum_pixels(b), 2);
  EXPECT_EQ(s.spectra.ivar[s.spectra.offsets[b]], 4.0f);
  const int parallax = data::meta_col_index("parallax"), w4 = data::meta_col_index("w4_mag");
  EXPECT_TRUE(std::isnan(s.meta_values(b)[parallax]));
  EXPECT_EQ(s.meta_values(a)[parallax], 2.5);
  EXPECT_TRUE(std::isnan(s.meta_values(a)[w4]));

  // The generated split set: 3 labelled objects cut 80/10/10 (train 2, val 0, test 1).
  const auto& set = s.split_set("full_42");
  EXPECT_EQ(set.train.size() + set.val.size() + set.test.size(), 3u);
  EXPECT_EQ(set.train.size(), 2u);
  EXPECT_EQ(set.test.size(), 1u);
  EXPECT_EQ(set.unlabeled, (std::vector<std::int64_t>{c}));

  // Missing values survive the survey file and validation.
  test::TempDir out;
  data::write_survey(s, out / "u.h5");
  const auto back = data::read_survey(out / "u.h5");
  EXPECT_TRUE(std::isnan(back.meta_values(b)[parallax]));
}

TEST(CatalogImport, UndeclaredMissingColumnsAndDuplicatesAreErrors) {
  UserData u;
  u.options.missing_columns.clear();
  test::expect_data_error([&] { import_catalog(u.options); }, "missing catalogue column(s) w4_mag");
  u.options.allow_missing_columns = true;
  EXPECT_EQ(import_catalog(u.options).survey.size(), 4);
  write(u.tmp / "labels.csv", "id,label\nA,EW\nA,EA\n");
  test::expect_data_error([&] { import_catalog(u.options); },
                          "labels.csv:3: id 'A' appears twice (first at line 2)");
  write(u.tmp / "labels.csv", "id,label\nA,EW\n");
  write(u.tmp / "spec/A.csv", "wavelength,flux,ivar\n4000,1,1\n");
  test::expect_data_error([&] { import_catalog(u.options); }, "a second spectrum for object 'A'");
}

TEST(CatalogImport, ExplicitClassesRejectUnknownLabelsAndUserSplitsAreKept) {
  UserData u;
  u.options.classes = {"EW", "EA"};
  write(u.tmp / "splits.csv",
        "id,split,set\nA,train,cv1\nD,test,cv1\nA,val,cv2\nD,train,cv2\nZ,train,cv1\n");
  u.options.splits = u.tmp / "splits.csv";
  const auto result = import_catalog(u.options);
  const auto& s = result.survey;
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"EW", "EA"}));
  EXPECT_EQ(row_of(s, "B"), -1);  // RRAB is not in the vocabulary
  bool found = false;
  for (const auto& x : result.report.rejected) {
    found |= x.id == "B" && x.reason.find("unknown class 'RRAB'") != std::string::npos;
  }
  EXPECT_TRUE(found);
  ASSERT_EQ(s.split_sets.size(), 2u);
  const auto a = row_of(s, "A"), d = row_of(s, "D");
  EXPECT_EQ(s.split_set("cv1").train, (std::vector<std::int64_t>{a}));
  EXPECT_EQ(s.split_set("cv1").test, (std::vector<std::int64_t>{d}));
  EXPECT_EQ(s.split_set("cv2").val, (std::vector<std::int64_t>{a}));
  ASSERT_EQ(result.report.warnings.size(), 1u + 1u);  // absent w4_mag, unknown id Z
  EXPECT_NE(result.report.warnings[1].find("splits.csv:6: id 'Z' has no data"), std::string::npos)
      << result.report.warnings[1];
}

TEST(CatalogImport, ALabelOutsideThePaperClassesIsNamedWhenTheVocabularySwitches) {
  // One typo among paper labels silently switched the vocabulary from the paper's 10 classes to
  // the sorted distinct labels, so paper-trained checkpoints no longer fitted the survey.
  UserData u;
  write(u.tmp / "labels.csv", "id,label\nA,EW\nB,RRab\nC,RRab\nD,EA\n");
  const auto result = import_catalog(u.options);
  EXPECT_EQ(result.survey.class_names, (std::vector<std::string>{"EA", "EW", "RRab"}));
  std::string found;
  for (const auto& w : result.report.warnings) {
    if (w.find("not among the paper's 10 classes") != std::string::npos) found = w;
  }
  EXPECT_NE(found.find("labels 'RRab' (2 objects) are not"), std::string::npos) << found;
  EXPECT_NE(found.find("--classes"), std::string::npos) << found;
  // Only paper labels: the paper's vocabulary, without that warning.
  write(u.tmp / "labels.csv", "id,label\nA,EW\nB,RRAB\nD,EA\n");
  const auto paper = import_catalog(u.options);
  EXPECT_EQ(paper.survey.class_names.size(), 10u);
  for (const auto& w : paper.report.warnings) {
    EXPECT_EQ(w.find("paper's 10 classes"), std::string::npos) << w;
  }
}

}  // namespace
}  // namespace astrom3::ingest

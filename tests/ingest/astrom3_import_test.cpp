#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/ingest/astrom3_export.h"
#include "astrom3/ingest/astrom3_import.h"
#include "astrom3/ingest/astrom3_layout.h"
#include "astrom3/ingest/lamost_fits.h"
#include "astrom3/ingest/text_table.h"
#include "astrom3/ingest/zip_archive.h"
#include "astrom3/synth/survey_generator.h"
#include "support/test_support.h"

namespace astrom3::ingest {
namespace {

namespace fs = std::filesystem;

const data::Survey& synthetic() {
  static const data::Survey survey = [] {
    synth::SynthOptions o;
    o.objects = 120;
    o.unlabeled = 9;
    o.seed = 5;
    return synth::generate_survey(o, 2);
  }();
  return survey;
}

// A fresh raw-layout copy of the synthetic survey.
struct RawLayout {
  test::TempDir tmp;
  fs::path root = tmp / "raw";
  explicit RawLayout(bool extract = false) {
    write_astrom3_layout(synthetic(), root, "astrom3 synth test", 2);
    if (extract) {
      ZipReader zip(root / "photometry.zip");
      fs::create_directories(root / "vardb_files");
      for (const auto& name : zip.entry_names()) {
        std::ofstream(root / name, std::ios::binary) << zip.read(name);
      }
      fs::remove(root / "photometry.zip");
    }
  }
  ImportResult import(int threads = 2, bool hjd_float32 = false) const {
    AstroM3ImportOptions o;
    o.root = root;
    o.threads = threads;
    o.hjd_float32 = hjd_float32;
    return import_astrom3_dataset(o);
  }
  // Rewrites every split CSV, letting `edit` change the fields of each row (by column name).
  // Only the file `only` when it is given.
  void edit_rows(const std::function<void(std::map<std::string, std::string>&)>& edit,
                 const fs::path& only = {}) const {
    for (const auto& e : fs::recursive_directory_iterator(root / "splits")) {
      if (e.path().extension() != ".csv") continue;
      if (!only.empty() && e.path() != only) continue;
      const auto t = read_csv_file(e.path());
      std::string out;
      for (std::size_t c = 0; c < t.header.size(); ++c) out += (c ? "," : "") + t.header[c];
      out += "\n";
      for (const auto& row : t.rows) {
        std::map<std::string, std::string> fields;
        for (std::size_t c = 0; c < t.header.size(); ++c) fields[t.header[c]] = row[c];
        edit(fields);
        for (std::size_t c = 0; c < t.header.size(); ++c) {
          out += (c ? "," : "") + csv_field(fields[t.header[c]]);
        }
        out += "\n";
      }
      std::ofstream(e.path(), std::ios::trunc) << out;
    }
  }
  fs::path spectrum_of(const std::string& id) const {
    for (const auto& e : fs::recursive_directory_iterator(root / "spectra")) {
      if (e.path().filename().string().find(id) != std::string::npos) return e.path();
    }
    return {};
  }
};

// The header of the published split CSVs, as docs/data-import.md lists it.
TEST(AstroM3Import, SplitCsvColumnsAreThePublishedHeader) {
  const std::string published =
      "mean_vmag,amplitude,period,phot_g_mean_mag,e_phot_g_mean_mag,lksl_statistic,rfr_score,"
      "phot_bp_mean_mag,e_phot_bp_mean_mag,phot_rp_mean_mag,e_phot_rp_mean_mag,bp_rp,parallax,"
      "parallax_error,parallax_over_error,pmra,pmra_error,pmdec,pmdec_error,j_mag,e_j_mag,h_mag,"
      "e_h_mag,k_mag,e_k_mag,w1_mag,e_w1_mag,w2_mag,e_w2_mag,w3_mag,w4_mag,j_k,w1_w2,w3_w4,pm,ruwe,"
      "id,target,name,spec_filename,l,b";
  const auto columns = split_csv_columns();
  ASSERT_EQ(columns.size(), 42u);
  std::string joined;
  for (const auto& c : columns) joined += (joined.empty() ? "" : ",") + c;
  EXPECT_EQ(joined, published);
}

TEST(AstroM3Import, RawLayoutRoundTripEqualsTheSyntheticSurveyFieldByField) {
  const RawLayout raw;
  // Both FITS layouts and both compressions occur in what the importer reads back.
  int image = 0, table = 0, gz = 0;
  for (const auto& e : fs::recursive_directory_iterator(raw.root / "spectra")) {
    if (!e.is_regular_file()) continue;
    const auto s = read_lamost_fits(e.path());
    (s.layout == LamostLayout::kImage ? image : table) += 1;
    gz += e.path().extension() == ".gz";
  }
  EXPECT_GT(image, 0);
  EXPECT_GT(table, 0);
  EXPECT_GT(gz, 0);

  EXPECT_FALSE(fs::exists(raw.root.string() + ".partial"));  // built aside, then renamed
  const auto result = raw.import();
  test::expect_same_survey(synthetic(), result.survey, /*provenance=*/false);
  EXPECT_EQ(result.report.seen, synthetic().size());
  EXPECT_EQ(result.report.imported, synthetic().size());
  EXPECT_TRUE(result.report.rejected.empty());
  EXPECT_TRUE(result.report.partial.empty());
  EXPECT_TRUE(result.report.warnings.empty()) << result.report.warnings.front();
  EXPECT_EQ(result.survey.provenance.at("source"), "MeriDK/AstroM3Dataset raw layout");
  // The survey version travels through info.json, so a round trip is still a version 2 survey.
  EXPECT_EQ(result.survey.provenance.at("synth_version"), "2");
}

TEST(AstroM3Import, ExtractedFolderAndThreadCountGiveTheSameSurvey) {
  const RawLayout raw(/*extract=*/true);
  test::expect_same_survey(synthetic(), raw.import(3).survey, false);
  test::expect_same_survey(synthetic(), raw.import(1).survey, false);
}

TEST(AstroM3Import, Float32HjdReproducesThePublishedQuantisation) {
  const RawLayout raw;
  const auto s = raw.import(2, /*hjd_float32=*/true).survey;
  const auto& want = synthetic().photometry.time;
  ASSERT_EQ(s.photometry.time.size(), want.size());
  std::size_t changed = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(s.photometry.time[i], static_cast<double>(static_cast<float>(want[i])));
    changed += s.photometry.time[i] != want[i];
    // Near HJD 2.457e6 float32 steps are 0.25 d.
    ASSERT_EQ(std::fmod(s.photometry.time[i] * 4.0, 1.0), 0.0);
  }
  EXPECT_GT(changed, want.size() / 2);
}

bool mentions(const std::string& text, const std::string& fragment) {
  return text.find(fragment) != std::string::npos;
}

TEST(AstroM3Import, BadObjectsAreRejectedOrPartialWithTheirReasons) {
  const RawLayout raw(/*extract=*/true);
  const auto& ids = synthetic().ids;
  // ids[1]: empty light curve; ids[2]: non-numeric light-curve field; ids[3]: spectrum deleted
  // (partial); ids[4]: truncated FITS; ids[5]: unknown class; ids[6]: non-numeric parallax.
  std::ofstream(raw.root / photometry_entry(ids[1]), std::ios::trunc) << "# h\n# h\n";
  std::ofstream(raw.root / photometry_entry(ids[2]), std::ios::app) << "2457000.5 13 0.1 abc 1\n";
  fs::remove(raw.spectrum_of(ids[3]));
  const auto fits = raw.spectrum_of(ids[4]);
  fs::resize_file(fits, fs::file_size(fits) / 3);
  raw.edit_rows([&](std::map<std::string, std::string>& f) {
    if (f["id"] == ids[5] && !f["target"].empty()) f["target"] = "XYZ";
    if (f["id"] == ids[6]) f["parallax"] = "n/a";
  });

  const auto result = raw.import();
  const auto& r = result.report;
  EXPECT_EQ(r.seen, synthetic().size());
  EXPECT_EQ(r.imported, synthetic().size() - 5);
  ASSERT_EQ(r.rejected.size(), 5u);
  std::map<std::string, std::string> reason;
  for (const auto& x : r.rejected) reason[x.id] = x.reason;
  EXPECT_TRUE(mentions(reason[ids[1]], "empty light curve")) << reason[ids[1]];
  EXPECT_TRUE(mentions(reason[ids[1]], ids[1] + ".dat")) << reason[ids[1]];
  EXPECT_TRUE(mentions(reason[ids[2]], "'abc' is not a number")) << reason[ids[2]];
  EXPECT_TRUE(mentions(reason[ids[4]], fits.filename().string())) << reason[ids[4]];
  EXPECT_TRUE(mentions(reason[ids[5]], "unknown class 'XYZ'")) << reason[ids[5]];
  EXPECT_TRUE(mentions(reason[ids[6]], "column parallax")) << reason[ids[6]];
  EXPECT_TRUE(mentions(reason[ids[6]], ".csv:")) << reason[ids[6]];
  ASSERT_EQ(r.partial.size(), 1u);
  EXPECT_EQ(r.partial[0].id, ids[3]);
  EXPECT_EQ(r.partial[0].absent, (std::vector<std::string>{"spectra"}));

  const auto& s = result.survey;
  EXPECT_EQ(s.size(), synthetic().size() - 5);
  for (const auto& [name, set] : s.split_sets) {
    for (const auto* rows : {&set.train, &set.val, &set.test, &set.unlabeled}) {
      for (auto row : *rows) {
        for (int k : {1, 2, 4, 5, 6}) ASSERT_NE(s.ids[row], ids[k]) << name;
      }
    }
  }
  const auto row3 = std::find(s.ids.begin(), s.ids.end(), ids[3]) - s.ids.begin();
  EXPECT_EQ(s.spectra.present[row3], 0);
  EXPECT_EQ(s.photometry.present[row3], 1);
}

TEST(AstroM3Import, LayoutProblemsAreDataErrors) {
  {
    const RawLayout raw;
    const auto train = raw.root / split_csv_path("full", 42, "train");
    std::string text = read_file_bytes(train);
    const auto second = text.find('\n') + 1;
    text += text.substr(second, text.find('\n', second) + 1 - second);  // repeat the first row
    std::ofstream(train, std::ios::trunc) << text;
    test::expect_data_error([&] { raw.import(); }, "is listed twice in split set full/42");
  }
  {
    const RawLayout raw;
    // The first row of sub50/42/train.csv names another light curve than full/42 does.
    const auto file = raw.root / split_csv_path("sub50", 42, "train");
    bool first = true;
    raw.edit_rows(
        [&](std::map<std::string, std::string>& f) {
          if (first) f["name"] = "renamed";
          first = false;
        },
        file);
    test::expect_data_error([&] { raw.import(); }, "different target, name or spec_filename");
  }
  {
    const RawLayout raw;
    fs::remove(raw.root / "photometry.zip");
    test::expect_data_error([&] { raw.import(); }, "no photometry.zip and no vardb_files/");
  }
  {
    test::TempDir empty;
    AstroM3ImportOptions o;
    o.root = empty.path();
    test::expect_data_error([&] { import_astrom3_dataset(o); }, "no splits/ directory");
  }
}

// A survey with exactly the published full_42 class counts passes; any change is named.
TEST(AstroM3Import, PaperCountCheckNamesEveryDifference) {
  data::Survey s;
  s.class_names.assign(data::kClassNames.begin(), data::kClassNames.end());
  data::SplitSet set;
  for (int k = 0; k < 10; ++k) {
    for (int p = 0; p < 3; ++p) {
      for (int i = 0; i < kPaperFull42Counts[k][p]; ++i) {
        auto& rows = p == 0 ? set.train : (p == 1 ? set.val : set.test);
        rows.push_back(static_cast<std::int64_t>(s.ids.size()));
        s.ids.push_back("o" + std::to_string(s.ids.size()));
        s.labels.push_back(k);
      }
    }
  }
  s.split_sets["full_42"] = set;
  ImportReport report;
  EXPECT_TRUE(paper_count_mismatches(s, report).empty());
  EXPECT_EQ(s.size(), kPaperObjects);

  s.labels[set.train[0]] = 1;  // a DSCT train object becomes EA
  report.partial.push_back({"o1", {"spectra"}, "missing"});
  const auto m = paper_count_mismatches(s, report);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0], "full_42 train DSCT: 205, published 206");
  EXPECT_EQ(m[1], "full_42 train EA: 2344, published 2343");
  EXPECT_EQ(m[2], "objects imported with a modality absent: 1, published 0");
}

}  // namespace
}  // namespace astrom3::ingest

// The block reader returns exactly the rows a whole-file read holds, rebuilt here object by
// object through SurveyBuilder (an independent path from the reader's offset arithmetic).
#include "astrom3/data/survey_reader.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "astrom3/common/error.h"
#include "astrom3/data/survey_io.h"
#include "support/test_support.h"

namespace astrom3::data {
namespace {

// Rows [begin, end) of `s` as their own survey, assembled one object at a time. With `gaps`,
// some objects lose their spectrum, light curve, metadata or label, as in real catalogues.
Survey expected_rows(const Survey& s, std::int64_t begin, std::int64_t end, bool gaps = false) {
  SurveyBuilder builder(s.class_names);
  for (std::int64_t i = begin; i < end; ++i) {
    SurveyBuilder::Object o;
    o.id = s.ids[i];
    o.label = s.labels[i];
    const auto& p = s.photometry;
    o.has_photometry = p.present[i] != 0;
    o.time.assign(p.time.begin() + p.offsets[i], p.time.begin() + p.offsets[i + 1]);
    o.flux.assign(p.flux.begin() + p.offsets[i], p.flux.begin() + p.offsets[i + 1]);
    o.flux_err.assign(p.flux_err.begin() + p.offsets[i], p.flux_err.begin() + p.offsets[i + 1]);
    std::copy_n(s.photo_features(i), kNumPhotoCols, o.photo_features.begin());
    const auto& q = s.spectra;
    o.has_spectrum = q.present[i] != 0;
    o.wavelength.assign(q.wavelength.begin() + q.offsets[i],
                        q.wavelength.begin() + q.offsets[i + 1]);
    o.spec_flux.assign(q.flux.begin() + q.offsets[i], q.flux.begin() + q.offsets[i + 1]);
    o.ivar.assign(q.ivar.begin() + q.offsets[i], q.ivar.begin() + q.offsets[i + 1]);
    o.has_metadata = s.metadata.present[i] != 0;
    std::copy_n(s.meta_values(i), kNumMetaCols, o.meta.begin());
    if (gaps && i % 7 == 3) o.has_spectrum = false;
    if (gaps && i % 11 == 5) o.has_photometry = false;
    if (gaps && i % 13 == 2) o.has_metadata = false;
    if (gaps && i % 10 == 9) o.label = -1;
    if (!o.has_spectrum) {
      o.wavelength.clear();
      o.spec_flux.clear();
      o.ivar.clear();
    }
    if (!o.has_photometry) {
      o.time.clear();
      o.flux.clear();
      o.flux_err.clear();
    }
    builder.add(o);
  }
  return builder.finish();
}

// The fixture: `s` with gaps and one split set over it (labelled rows 3:1:1 into train, val,
// test; the unlabelled ones in unlabeled).
Survey with_gaps(const Survey& s) {
  auto g = expected_rows(s, 0, s.size(), /*gaps=*/true);
  g.provenance = s.provenance;
  SplitSet set;
  set.subset = "full";
  set.seed = 42;
  set.normalization = s.split_sets.begin()->second.normalization;
  for (std::int64_t i = 0; i < g.size(); ++i) {
    auto& list = g.labels[i] < 0 ? set.unlabeled
                 : i % 5 < 3     ? set.train
                 : i % 5 == 3    ? set.val
                                 : set.test;
    list.push_back(i);
  }
  g.split_sets.emplace("full_42", set);
  return g;
}

class SurveyReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    survey_ = with_gaps(*test::small_survey(120, 8));
    path_ = dir_ / "s.h5";
    write_survey(survey_, path_);
  }
  test::TempDir dir_;
  Survey survey_;
  std::filesystem::path path_;
};

// catalogue, objects, first_row, end_row of a selection.
std::array<std::int64_t, 4> figures(const RowSelection& s) {
  return {s.catalogue, s.objects, s.first_row, s.end_row};
}

TEST(RowSelection, ShardsOfASplitAreContiguousRangesOfItsRowsInFileOrder) {
  using M = SplitMembership;
  using F = std::array<std::int64_t, 4>;
  const std::vector<M> membership = {M::train, M::val, M::test,  M::val,
                                     M::none,  M::val, M::train, M::val};
  // The val rows are 1, 3, 5 and 7: shard 0 of 2 holds rows 1 and 3, shard 1 rows 5 and 7.
  EXPECT_EQ(figures(select_rows(8, membership, false, M::val, {0, 2})), (F{4, 2, 1, 4}));
  EXPECT_EQ(figures(select_rows(8, membership, false, M::val, {1, 2})), (F{4, 2, 5, 8}));
  // Every row: shard 1 of 3 of 8 rows is [8/3, 16/3) = rows 2, 3 and 4.
  EXPECT_EQ(figures(select_rows(8, {}, true, M::none, {1, 3})), (F{8, 3, 2, 5}));
  // No unseen row: an empty selection reads nothing.
  EXPECT_EQ(figures(select_rows(8, membership, false, M::unseen, {0, 1})), (F{0, 0, 0, 0}));
  // More shards than rows: some shards are empty, and say so.
  EXPECT_EQ(figures(select_rows(8, membership, false, M::test, {0, 3})), (F{1, 0, 0, 0}));
  EXPECT_EQ(figures(select_rows(8, membership, false, M::test, {2, 3})), (F{1, 1, 2, 3}));
}

TEST_F(SurveyReaderTest, BlocksHoldExactlyTheRowsOfTheWholeFile) {
  // The fixture has objects without spectra or photometry: their empty ranges must rebase too.
  ASSERT_EQ(std::count(survey_.spectra.present.begin(), survey_.spectra.present.end(), 0), 17);
  ASSERT_EQ(std::count(survey_.photometry.present.begin(), survey_.photometry.present.end(), 0),
            11);
  SurveyReader reader(path_);
  EXPECT_EQ(reader.size(), survey_.size());
  EXPECT_EQ(reader.class_names(), survey_.class_names);
  EXPECT_EQ(reader.provenance(), survey_.provenance);
  // Uneven blocks, a block of one, an empty block, the whole file.
  for (const auto& [b, e] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {0, 37}, {37, 38}, {38, 38}, {38, 101}, {101, 120}, {0, 120}}) {
    SCOPED_TRACE(std::to_string(b) + ".." + std::to_string(e));
    const auto block = reader.read_rows(b, e);
    test::expect_same_survey(block, expected_rows(survey_, b, e), /*provenance=*/false);
    EXPECT_EQ(block.provenance, survey_.provenance);
    EXPECT_TRUE(block.split_sets.empty());
  }
  test::expect_data_error([&] { reader.read_rows(100, 121); }, "outside its 120 objects");
  test::expect_data_error([&] { reader.read_rows(-1, 3); }, "outside its 120 objects");
}

TEST_F(SurveyReaderTest, SplitMembershipAndNormalizationMatchTheSplitSet) {
  ASSERT_FALSE(survey_.split_sets.empty());
  auto s = survey_;
  auto& [name, set] = *s.split_sets.begin();
  // Plant unseen rows from the unlabelled list so every list is exercised.
  ASSERT_GE(set.unlabeled.size(), 2u);
  set.unseen.assign(set.unlabeled.end() - 2, set.unlabeled.end());
  set.unlabeled.resize(set.unlabeled.size() - 2);
  write_survey(s, dir_ / "u.h5");
  SurveyReader reader(dir_ / "u.h5");
  ASSERT_TRUE(reader.has_split_set(name));
  EXPECT_FALSE(reader.has_split_set("no_such_set"));
  const auto m = reader.split_membership(name);
  ASSERT_EQ(static_cast<std::int64_t>(m.size()), s.size());
  std::vector<SplitMembership> expected(m.size(), SplitMembership::none);
  const std::pair<const std::vector<std::int64_t>*, SplitMembership> lists[] = {
      {&set.train, SplitMembership::train},
      {&set.val, SplitMembership::val},
      {&set.test, SplitMembership::test},
      {&set.unlabeled, SplitMembership::unlabeled},
      {&set.unseen, SplitMembership::unseen}};
  for (const auto& [list, code] : lists) {
    for (auto r : *list) expected[static_cast<std::size_t>(r)] = code;
  }
  EXPECT_EQ(m, expected);
  EXPECT_EQ(reader.normalization(name).mean, set.normalization.mean);
  EXPECT_EQ(reader.normalization(name).std, set.normalization.std);
  test::expect_data_error([&] { reader.split_membership("no_such_set"); }, "no split set");
  EXPECT_STREQ(split_membership_name(SplitMembership::unseen), "unseen");
  EXPECT_STREQ(split_membership_name(SplitMembership::none), "");
}

TEST_F(SurveyReaderTest, ABadObjectFailsOnlyTheBlockThatHoldsIt) {
  auto s = survey_;
  s.photometry.offsets[50] = 1000000000;  // object 49's range leaves the stored values
  s.metadata.values[90 * kNumMetaCols + 3] = INFINITY;
  s.spectra.offsets[111] = s.spectra.offsets[110] - 1;  // object 110's offsets decrease
  auto& [name, set] = *s.split_sets.begin();
  set.test.push_back(set.train.front());  // one row in two lists
  write_survey(s, dir_ / "bad.h5");
  SurveyReader reader(dir_ / "bad.h5");
  test::expect_data_error([&] { reader.read_rows(40, 60); },
                          {"/photometry/offsets", "object " + s.ids[49], "1000000000"});
  test::expect_data_error([&] { reader.read_rows(80, 100); },
                          {"rows 80..100", "object " + s.ids[90], "is not finite"});
  test::expect_data_error([&] { reader.read_rows(100, 120); },
                          {"/spectra/offsets", "object " + s.ids[110], "offsets decrease"});
  test::expect_same_survey(reader.read_rows(0, 40), expected_rows(survey_, 0, 40), false);
  test::expect_data_error([&] { reader.split_membership(name); }, "is also in");
}

TEST_F(SurveyReaderTest, FilesThatAreNotSurveysAreRefusedAtOpening) {
  test::expect_data_error([&] { SurveyReader reader(dir_ / "missing.h5"); },
                          "missing.h5: no such file");
  // A metadata table one row short: refused when opened, before any block is read.
  {
    const hid_t f = H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    H5Ldelete(f, "/metadata/values", H5P_DEFAULT);
    const hsize_t dims[2] = {119, kNumMetaCols};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t ds = H5Dcreate2(f, "/metadata/values", H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(ds, 0);
    H5Dclose(ds);
    H5Sclose(space);
    H5Fclose(f);
  }
  test::expect_data_error([&] { SurveyReader reader(path_); },
                          {"/metadata/values", "expected shape [120, 34], got [119, 34]"});
}

}  // namespace
}  // namespace astrom3::data

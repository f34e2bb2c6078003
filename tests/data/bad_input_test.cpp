// Bad input never crashes and never loses data: every defect gives a DataError that says
// where (file, group, object id, field).
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "astrom3/common/error.h"
#include "astrom3/data/survey_io.h"
#include "astrom3/data/survey_validation.h"
#include "support/test_support.h"

namespace astrom3::data {
namespace {

std::string read_error(const std::filesystem::path& p) {
  try {
    read_survey(p);
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_error(const std::filesystem::path& p, std::initializer_list<const char*> parts) {
  const auto msg = read_error(p);
  for (const char* part : parts) {
    EXPECT_NE(msg.find(part), std::string::npos) << "message: " << msg << "\nmissing: " << part;
  }
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override { survey_ = *test::small_survey(60, 5); }
  std::filesystem::path write(const Survey& s, const std::string& name) {
    const auto p = dir_ / name;
    write_survey(s, p);
    return p;
  }
  // Opens a valid copy for raw HDF5 surgery.
  hid_t open_copy(const std::string& name) {
    write(survey_, name);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return H5Fopen((dir_ / name).c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  }
  test::TempDir dir_;
  Survey survey_;
};

// EXPECTs that `fn` throws E (or a subclass) with `fragment` in its message.
template <typename E>
void expect_throw_containing(const std::function<void()>& fn, const std::string& fragment) {
  try {
    fn();
    ADD_FAILURE() << "nothing thrown; expected '" << fragment << "'";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST_F(BadInput, NotAnHdf5File) {
  std::ofstream(dir_ / "x.h5") << "plain text, not HDF5";
  expect_error(dir_ / "x.h5", {"x.h5", "not an HDF5 file"});
  expect_error(dir_ / "missing.h5", {"missing.h5", "no such file"});
}

TEST_F(BadInput, TruncatedFile) {
  const auto p = write(survey_, "t.h5");
  std::filesystem::resize_file(p, std::filesystem::file_size(p) / 2);
  const auto msg = read_error(p);
  EXPECT_NE(msg.find("t.h5"), std::string::npos) << msg;
  EXPECT_NE(msg, "(no error)");
}

TEST_F(BadInput, MissingGroup) {
  const hid_t f = open_copy("g.h5");
  ASSERT_GE(H5Ldelete(f, "/spectra", H5P_DEFAULT), 0);
  H5Fclose(f);
  expect_error(dir_ / "g.h5", {"g.h5:/spectra", "missing group"});
}

TEST_F(BadInput, WrongShape) {
  const hid_t f = open_copy("w.h5");
  ASSERT_GE(H5Ldelete(f, "/metadata/values", H5P_DEFAULT), 0);
  hsize_t dims[2] = {60, 33};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const hid_t ds = H5Dcreate2(f, "/metadata/values", H5T_IEEE_F64LE, space, H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT);
  std::vector<double> zeros(60 * 33, 0.0);
  H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
  H5Dclose(ds);
  H5Sclose(space);
  H5Fclose(f);
  expect_error(dir_ / "w.h5", {"/metadata/values", "expected shape [60, 34]", "[60, 33]"});
}

TEST_F(BadInput, NotASurveyFile) {
  const hid_t f = H5Fcreate((dir_ / "other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(f);
  expect_error(dir_ / "other.h5", {"other.h5", "not an astrom3 survey file"});
}

TEST_F(BadInput, OffsetsOutOfRange) {
  Survey s = survey_;
  s.photometry.offsets[10] = static_cast<std::int64_t>(s.photometry.time.size()) + 5;
  expect_error(write(s, "o.h5"), {"o.h5", "/photometry", "field offsets", "beyond"});
}

TEST_F(BadInput, AnInteriorOffsetFarPastTheValuesIsReportedNotFollowed) {
  // The finiteness checks once read along such a range and crashed (issue: offsets[200] = 1e9
  // written with h5py segfaulted inspect).
  Survey s = survey_;
  s.photometry.offsets[20] = 1000000000;
  s.spectra.offsets[30] = 1000000000;
  expect_error(write(s, "far.h5"), {"/photometry", "/spectra", "offset 1000000000 beyond"});
  // Exactly the two offset violations: following the range would read past the vectors
  // (a crash, or garbage reported as non-finite values).
  const auto v = validate_survey(s);
  ASSERT_EQ(v.size(), 2u) << format_violations("far.h5", v);
  EXPECT_EQ(v[0].group, "/photometry");
  EXPECT_EQ(v[1].group, "/spectra");
}

TEST_F(BadInput, DecreasingOffsetsNameTheObject) {
  Survey s = survey_;
  s.spectra.offsets[21] = s.spectra.offsets[20] - 1;
  const std::string object = "object " + s.ids[20];
  expect_error(write(s, "d.h5"), {"/spectra", object.c_str(), "offsets decrease"});
}

TEST_F(BadInput, PresenceMustMatchTheOffsets) {
  Survey s = survey_;
  s.photometry.offsets[6] = s.photometry.offsets[5];  // object 5: present, no epoch
  s.spectra.present[2] = 0;                           // object 2: absent, yet has pixels
  const auto p = write(s, "p.h5");
  const std::string empty = "object " + s.ids[5] + " field offsets: present but has no epoch";
  const std::string absent = "object " + s.ids[2] + " field present: marked absent but has";
  expect_error(p, {empty.c_str(), absent.c_str()});
}

TEST_F(BadInput, PresenceIsZeroOrOneAndUncertaintiesAreNonNegative) {
  // present = 2 counted as absent in inspect and as present in training; negative uncertainties
  // passed silently (issue 21 item 12).
  Survey s = survey_;
  s.photometry.present[4] = 2;
  s.metadata.present[9] = 2;
  s.photometry.flux_err[s.photometry.offsets[3] + 1] = -0.5f;
  std::int64_t with_spectrum = 0;
  while (!s.spectra.present[with_spectrum]) ++with_spectrum;
  s.spectra.ivar[s.spectra.offsets[with_spectrum] + 2] = -1.0f;
  const auto p = write(s, "q.h5");
  const auto phot = "/photometry object " + s.ids[4] + " field present: must be 0 or 1, got 2";
  const auto meta = "/metadata object " + s.ids[9] + " field present: must be 0 or 1, got 2";
  const auto err = "object " + s.ids[3] + " field flux_err: negative value -0.5 at element 1";
  const auto ivar =
      "object " + s.ids[with_spectrum] + " field ivar: negative value -1 at element 2";
  expect_error(p, {phot.c_str(), meta.c_str(), err.c_str(), ivar.c_str()});
}

// Replaces dataset `name` of file `f` by one of `file_type` holding `values` (as doubles).
void replace_dataset(hid_t f, const char* name, hid_t file_type,
                     const std::vector<double>& values) {
  ASSERT_GE(H5Ldelete(f, name, H5P_DEFAULT), 0);
  const hsize_t dims[1] = {values.size()};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t ds = H5Dcreate2(f, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Dclose(ds);
  H5Sclose(space);
}

TEST_F(BadInput, TheDtypeClassOfEveryColumnIsChecked) {
  // HDF5 converts on read, so an integer flux or a float label used to be accepted.
  {
    const hid_t f = open_copy("int-flux.h5");
    replace_dataset(f, "/photometry/flux", H5T_STD_I32LE,
                    std::vector<double>(survey_.photometry.flux.size(), 3.0));
    H5Fclose(f);
  }
  expect_error(dir_ / "int-flux.h5", {"flux", "expected floating-point values, found integers"});
  {
    const hid_t f = open_copy("float-label.h5");
    replace_dataset(f, "/objects/label", H5T_IEEE_F32LE,
                    std::vector<double>(survey_.labels.begin(), survey_.labels.end()));
    H5Fclose(f);
  }
  expect_error(dir_ / "float-label.h5", {"label", "expected integers, found floating-point"});
}

TEST_F(BadInput, NanValuesNameObjectAndField) {
  Survey s = survey_;
  s.photometry.flux[s.photometry.offsets[7] + 3] = std::nanf("");
  s.metadata.values[12 * 34 + 8] = INFINITY;  // parallax of object 12
  const auto p = write(s, "n.h5");
  expect_error(p, {"/photometry object ", "field flux", "non-finite value nan at element 3"});
  expect_error(p, {"/metadata", "field values", "parallax is not finite"});
  EXPECT_NE(read_error(p).find(s.ids[7]), std::string::npos);
  EXPECT_NE(read_error(p).find(s.ids[12]), std::string::npos);
}

// NaN in catalogue values means "missing" (imputed with the train mean); only infinities are
// invalid there.
TEST_F(BadInput, NanCatalogueValuesAreMissingNotInvalid) {
  Survey s = survey_;
  s.metadata.values[3 * 34 + 8] = std::nan("");                 // parallax of object 3
  s.photometry.features[5 * kNumPhotoCols + 1] = std::nan("");  // period of object 5
  const auto p = write(s, "m.h5");
  const Survey back = read_survey(p);
  EXPECT_TRUE(std::isnan(back.meta_values(3)[8]));
  EXPECT_TRUE(std::isnan(back.photo_features(5)[1]));
  s.photometry.features[5 * kNumPhotoCols + 1] = -INFINITY;
  expect_error(write(s, "i.h5"), {"/photometry", "field features", "period is not finite"});
}

TEST_F(BadInput, LabelsIdsAndSplitsAreChecked) {
  Survey s = survey_;
  s.labels[4] = 17;
  s.ids[9] = s.ids[8];
  s.split_sets.at("full_42").val.push_back(s.split_sets.at("full_42").train.front());
  s.split_sets.at("full_66").test.push_back(100000);
  s.class_names[3] = s.class_names[2];  // two labels would mean one class
  const auto p = write(s, "l.h5");
  expect_error(p,
               {"label 17 outside -1..9", "duplicate id", "/splits/full_42", "more than one split",
                "/splits/full_66", "row index 100000 out of range", "class 'EB' appears twice"});
}

TEST_F(BadInput, UnseenObjectsMustBeUnlabelledAndInNoOtherSplit) {
  Survey s = survey_;
  auto& set = s.split_sets.at("full_42");
  set.unseen = {set.train.front(), set.test.front()};  // labelled, and already in a split
  const auto p = write(s, "u.h5");
  expect_error(p, {"/splits/full_42", "unseen", "more than one split",
                   "an unseen-class object has a label of the vocabulary"});
}

TEST_F(BadInput, UnsupportedFormatVersion) {
  const hid_t f = open_copy("v.h5");
  ASSERT_GE(H5Adelete(f, "format_version"), 0);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(f, "format_version", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  const std::int64_t v = 99;
  H5Awrite(a, H5T_NATIVE_INT64, &v);
  H5Aclose(a);
  H5Sclose(space);
  H5Fclose(f);
  expect_error(dir_ / "v.h5", {"format_version 99 is not supported"});
}

TEST_F(BadInput, FailedWriteLeavesThePreviousFileIntactAndNoTemporary) {
  const auto p = write(survey_, "keep.h5");
  const auto size_before = std::filesystem::file_size(p);
  Survey broken = survey_;
  broken.metadata.values.resize(10);  // inconsistent with the number of objects
  expect_throw_containing<DataError>([&] { write_survey(broken, p); },
                                     "metadata/values has 10 values");
  EXPECT_EQ(std::filesystem::file_size(p), size_before);
  EXPECT_NO_THROW(read_survey(p));
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(BadInput, OutputsRefuseDevicesAndFifosAndWriteThroughSymlinks) {
  // Renaming the finished file onto the output replaced whatever was there: as root,
  // `embed --out /dev/null` turned /dev/null into a regular file.
  const auto fifo = dir_ / "pipe.h5";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  expect_throw_containing<Error>([&] { write_survey(survey_, fifo); },
                                 "pipe.h5: it is not a regular file");
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  // A link to a file is written through: the link stays, its target receives the survey.
  std::filesystem::create_directory(dir_ / "real");
  std::filesystem::create_symlink("real/s.h5", dir_ / "link.h5");
  write_survey(survey_, dir_ / "link.h5");
  EXPECT_TRUE(std::filesystem::is_symlink(dir_ / "link.h5"));
  EXPECT_EQ(read_survey(dir_ / "real" / "s.h5").ids, survey_.ids);
}

}  // namespace
}  // namespace astrom3::data

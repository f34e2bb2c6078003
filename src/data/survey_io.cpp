#include "astrom3/data/survey_io.h"

#include <nlohmann/json.hpp>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/survey_validation.h"
#include "data/hdf5_file.h"
#include "data/survey_checks.h"

namespace astrom3::data {
namespace {

using Json = nlohmann::json;
using Dims = std::vector<std::uint64_t>;

template <typename Array>
std::string json_names(const Array& names) {
  return Json(std::vector<std::string>(names.begin(), names.end())).dump();
}

void write_splits(const h5::Location& root, const Survey& s) {
  auto splits = root.create_group("splits");
  const auto columns = normalization_columns();
  for (const auto& [name, set] : s.split_sets) {
    auto g = splits.create_group(name);
    g.set_attr("subset", set.subset);
    g.set_attr("seed", static_cast<std::int64_t>(set.seed));
    g.write("train", set.train);
    g.write("val", set.val);
    g.write("test", set.test);
    g.write("unlabeled", set.unlabeled);
    // Optional (format version 1 readers before it ignore it): written only when used.
    if (!set.unseen.empty()) g.write("unseen", set.unseen);
    auto norm = g.create_group("normalization");
    norm.set_attr("columns", json_names(columns));
    norm.write("mean", set.normalization.mean, {set.normalization.mean.size()});
    norm.write("std", set.normalization.std, {set.normalization.std.size()});
  }
}

}  // namespace

namespace {

[[noreturn]] void shape_error(const h5::Location& g, const std::string& name,
                              const std::string& expected, const Dims& got) {
  std::string shape = "[";
  for (std::size_t i = 0; i < got.size(); ++i) shape += (i ? ", " : "") + std::to_string(got[i]);
  throw DataError(g.where(name) + ": expected shape " + expected + ", got " + shape + "]");
}

}  // namespace

void expect_rows(const h5::Location& g, const std::string& name, const Dims& dims,
                 std::uint64_t rows, std::uint64_t cols) {
  const bool ok = cols == 0 ? (dims.size() == 1 && dims[0] == rows)
                            : (dims.size() == 2 && dims[0] == rows && dims[1] == cols);
  if (!ok) {
    shape_error(g, name,
                "[" + std::to_string(rows) + (cols ? ", " + std::to_string(cols) : "") + "]", dims);
  }
}

void expect_columns(const h5::Location& g, const std::string& attr,
                    const std::vector<std::string>& expected) {
  std::vector<std::string> got;
  try {
    got = Json::parse(g.attr_string(attr)).get<std::vector<std::string>>();
  } catch (const Json::exception&) {
    throw DataError(g.where() + ": attribute " + attr + " is not a JSON list of names");
  }
  if (got != expected) {
    throw DataError(g.where() + ": attribute " + attr + " lists " + Json(got).dump() +
                    ", expected " + Json(expected).dump());
  }
}

SurveyRoot read_survey_root(const h5::Location& root) {
  if (!root.has_attr("format") || root.attr_string("format") != kSurveyFormatName) {
    throw DataError(root.where() + ": not an astrom3 survey file (attribute format != \"" +
                    std::string(kSurveyFormatName) + "\")");
  }
  const auto version = root.attr_int("format_version");
  if (version < 1 || version > kSurveyFormatVersion) {
    throw DataError(root.where() + ": format_version " + std::to_string(version) +
                    " is not supported by this build (reads 1.." +
                    std::to_string(kSurveyFormatVersion) + ")");
  }
  SurveyRoot r;
  try {
    r.class_names = Json::parse(root.attr_string("class_names")).get<std::vector<std::string>>();
    r.provenance =
        Json::parse(root.attr_string("provenance")).get<std::map<std::string, std::string>>();
  } catch (const Json::exception&) {
    throw DataError(root.where() + ": attribute class_names or provenance is not valid JSON");
  }
  return r;
}

namespace {

// The writer trusts nothing: sizes that disagree would make HDF5 read past a buffer.
void check_sizes(const Survey& s, const std::string& file) {
  const std::size_t n = s.ids.size();
  auto need = [&](const char* what, std::size_t got, std::size_t want) {
    if (got != want) {
      throw DataError(file + ": cannot write survey: " + what + " has " + std::to_string(got) +
                      " values, expected " + std::to_string(want));
    }
  };
  need("objects/label", s.labels.size(), n);
  need("photometry/present", s.photometry.present.size(), n);
  need("photometry/offsets", s.photometry.offsets.size(), n + 1);
  need("photometry/flux", s.photometry.flux.size(), s.photometry.time.size());
  need("photometry/flux_err", s.photometry.flux_err.size(), s.photometry.time.size());
  need("photometry/features", s.photometry.features.size(), n * kNumPhotoCols);
  need("spectra/present", s.spectra.present.size(), n);
  need("spectra/offsets", s.spectra.offsets.size(), n + 1);
  need("spectra/flux", s.spectra.flux.size(), s.spectra.wavelength.size());
  need("spectra/ivar", s.spectra.ivar.size(), s.spectra.wavelength.size());
  need("metadata/present", s.metadata.present.size(), n);
  need("metadata/values", s.metadata.values.size(), n * kNumMetaCols);
  for (const auto& [name, set] : s.split_sets) {
    need(("splits/" + name + "/normalization/mean").c_str(), set.normalization.mean.size(),
         kNumNormCols);
    need(("splits/" + name + "/normalization/std").c_str(), set.normalization.std.size(),
         kNumNormCols);
  }
}

// A ragged modality group starts with its presence mask [n] and CSR offsets [n+1].
h5::Location create_ragged_group(const h5::Location& root, const std::string& name,
                                 const std::string& units, const std::vector<std::uint8_t>& present,
                                 const std::vector<std::int64_t>& offsets) {
  auto g = root.create_group(name);
  g.set_attr("units", units);
  g.write("present", present);
  g.write("offsets", offsets);
  return g;
}

void read_ragged_index(const h5::Location& g, std::uint64_t n, std::vector<std::uint8_t>& present,
                       std::vector<std::int64_t>& offsets) {
  Dims d;
  present = g.read_u8("present", &d);
  expect_rows(g, "present", d, n);
  offsets = g.read_i64("offsets", &d);
  expect_rows(g, "offsets", d, n + 1);
}

// A float32 value column that must hold exactly `rows` values.
std::vector<float> read_f32_column(const h5::Location& g, const std::string& name,
                                   std::uint64_t rows) {
  Dims d;
  auto values = g.read_f32(name, &d);
  expect_rows(g, name, d, rows);
  return values;
}

}  // namespace

void write_survey(const Survey& s, const std::filesystem::path& path) {
  AtomicOutput out(path);
  {
    std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
    auto root = h5::Location::create_file(out.temp_path().string());
    check_sizes(s, path.string());
    root.set_attr("format", kSurveyFormatName);
    root.set_attr("format_version", kSurveyFormatVersion);
    root.set_attr("class_names", Json(s.class_names).dump());
    root.set_attr("modalities", Json({"photometry", "spectra", "metadata"}).dump());
    root.set_attr("provenance", Json(s.provenance).dump());
    const std::uint64_t n = s.ids.size();

    auto objects = root.create_group("objects");
    objects.write("id", s.ids);
    objects.write("label", s.labels);

    auto phot = create_ragged_group(root, "photometry", "time: HJD [d]; flux, flux_err: mJy",
                                    s.photometry.present, s.photometry.offsets);
    phot.write("time", s.photometry.time, {s.photometry.time.size()});
    phot.write("flux", s.photometry.flux, {s.photometry.flux.size()});
    phot.write("flux_err", s.photometry.flux_err, {s.photometry.flux_err.size()});
    phot.write("features", s.photometry.features, {n, kNumPhotoCols});
    phot.set_attr("feature_columns", json_names(kPhotoCols));

    auto spec = create_ragged_group(
        root, "spectra", "wavelength: Angstrom (vacuum); flux: arbitrary; ivar: 1/flux^2",
        s.spectra.present, s.spectra.offsets);
    spec.write("wavelength", s.spectra.wavelength, {s.spectra.wavelength.size()});
    spec.write("flux", s.spectra.flux, {s.spectra.flux.size()});
    spec.write("ivar", s.spectra.ivar, {s.spectra.ivar.size()});

    auto meta = root.create_group("metadata");
    meta.write("present", s.metadata.present);
    meta.write("values", s.metadata.values, {n, kNumMetaCols});
    meta.set_attr("columns", json_names(kMetaCols));

    write_splits(root, s);
    root.finish();
  }
  out.commit();
}

Survey read_survey(const std::filesystem::path& path) {
  Survey s;
  {
    std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
    auto root = h5::Location::open_file(path.string());
    auto r = read_survey_root(root);
    s.class_names = std::move(r.class_names);
    s.provenance = std::move(r.provenance);

    Dims d;
    auto objects = root.open_group("objects");
    s.ids = objects.read_strings("id");
    const std::uint64_t n = s.ids.size();
    s.labels = objects.read_i32("label", &d);
    expect_rows(objects, "label", d, n);

    auto phot = root.open_group("photometry");
    read_ragged_index(phot, n, s.photometry.present, s.photometry.offsets);
    s.photometry.time = phot.read_f64("time", &d);
    expect_rows(phot, "time", d, s.photometry.time.size());
    s.photometry.flux = read_f32_column(phot, "flux", s.photometry.time.size());
    s.photometry.flux_err = read_f32_column(phot, "flux_err", s.photometry.time.size());
    s.photometry.features = phot.read_f64("features", &d);
    expect_rows(phot, "features", d, n, kNumPhotoCols);
    expect_columns(phot, "feature_columns", {kPhotoCols.begin(), kPhotoCols.end()});

    auto spec = root.open_group("spectra");
    read_ragged_index(spec, n, s.spectra.present, s.spectra.offsets);
    s.spectra.wavelength = spec.read_f32("wavelength", &d);
    expect_rows(spec, "wavelength", d, s.spectra.wavelength.size());
    s.spectra.flux = read_f32_column(spec, "flux", s.spectra.wavelength.size());
    s.spectra.ivar = read_f32_column(spec, "ivar", s.spectra.wavelength.size());

    auto meta = root.open_group("metadata");
    s.metadata.present = meta.read_u8("present", &d);
    expect_rows(meta, "present", d, n);
    s.metadata.values = meta.read_f64("values", &d);
    expect_rows(meta, "values", d, n, kNumMetaCols);
    expect_columns(meta, "columns", {kMetaCols.begin(), kMetaCols.end()});

    auto splits = root.open_group("splits");
    for (const auto& name : splits.children()) {
      auto g = splits.open_group(name);
      SplitSet set;
      set.subset = g.attr_string("subset");
      set.seed = static_cast<int>(g.attr_int("seed"));
      set.train = g.read_i64("train", nullptr);
      set.val = g.read_i64("val", nullptr);
      set.test = g.read_i64("test", nullptr);
      set.unlabeled = g.read_i64("unlabeled", nullptr);
      if (g.has("unseen")) set.unseen = g.read_i64("unseen", nullptr);
      auto norm = g.open_group("normalization");
      expect_columns(norm, "columns", normalization_columns());
      set.normalization.mean = norm.read_f64("mean", &d);
      expect_rows(norm, "mean", d, kNumNormCols);
      set.normalization.std = norm.read_f64("std", &d);
      expect_rows(norm, "std", d, kNumNormCols);
      s.split_sets.emplace(name, std::move(set));
    }
  }
  const auto violations = validate_survey(s);
  if (!violations.empty()) {
    throw DataError(format_violations(path.string(), violations));
  }
  return s;
}

}  // namespace astrom3::data

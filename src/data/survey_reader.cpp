#include "astrom3/data/survey_reader.h"

#include <algorithm>

#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/survey_validation.h"
#include "data/hdf5_file.h"
#include "data/survey_checks.h"

namespace astrom3::data {
namespace {

using Dims = std::vector<std::uint64_t>;

// Split lists are read in pieces of this many row indices (8 MiB), whatever their length.
constexpr std::uint64_t kListPiece = 1 << 20;

// Checks one ragged modality group: present [n], offsets [n+1], value columns of one length.
void check_ragged_shapes(const h5::Location& g, std::uint64_t n,
                         const std::vector<std::string>& columns) {
  expect_rows(g, "present", g.shape("present"), n);
  expect_rows(g, "offsets", g.shape("offsets"), n + 1);
  const auto values = g.shape(columns.front());
  expect_rows(g, columns.front(), values, values.empty() ? 0 : values[0]);
  for (std::size_t k = 1; k < columns.size(); ++k) {
    expect_rows(g, columns[k], g.shape(columns[k]), values[0]);
  }
}

// Reads rows [begin, end) of a ragged group's presence flags and offsets into `present` and
// `offsets` (rebased to 0), and returns the range of values they cover, checked against the
// values stored in `column` before anything is read from it.
struct ValueRange {
  std::uint64_t first = 0, count = 0;
};

ValueRange read_ragged_index(const h5::Location& g, const std::vector<std::string>& ids,
                             std::uint64_t begin, std::uint64_t end, bool last,
                             const std::string& column, std::vector<std::uint8_t>& present,
                             std::vector<std::int64_t>& offsets) {
  present = g.read_u8_rows("present", begin, end - begin);
  offsets = g.read_i64_rows("offsets", begin, end - begin + 1);
  const auto values = static_cast<std::int64_t>(g.shape(column)[0]);
  const auto& off = offsets;
  // read_survey reports these through validate_survey; a block must find them before it reads.
  if (begin == 0 && off.front() != 0) {
    throw DataError(g.where("offsets") + ": offsets[0] must be 0");
  }
  for (std::size_t i = 0; i + 1 < off.size(); ++i) {
    if (off[i + 1] < off[i]) {
      throw DataError(g.where("offsets") + ": object " + ids[i] + ": offsets decrease (" +
                      std::to_string(off[i]) + " then " + std::to_string(off[i + 1]) + ")");
    }
    if (off[i] < 0 || off[i + 1] > values) {
      throw DataError(g.where("offsets") + ": object " + ids[i] + " has the value range " +
                      std::to_string(off[i]) + ".." + std::to_string(off[i + 1]) +
                      ", not inside the " + std::to_string(values) + " stored values");
    }
  }
  if (last && off.back() != values) {
    throw DataError(g.where("offsets") + ": last offset " + std::to_string(off.back()) +
                    " != number of values " + std::to_string(values));
  }
  const ValueRange r{static_cast<std::uint64_t>(off.front()),
                     static_cast<std::uint64_t>(off.back() - off.front())};
  for (auto& o : offsets) o -= static_cast<std::int64_t>(r.first);
  return r;
}

}  // namespace

const char* split_membership_name(SplitMembership m) {
  // Indexed by the enum's values, in declaration order.
  static constexpr const char* kNames[] = {"", "train", "val", "test", "unlabeled", "unseen"};
  return kNames[static_cast<std::size_t>(m)];
}

RowSelection select_rows(std::int64_t rows, const std::vector<SplitMembership>& membership,
                         bool all, SplitMembership wanted, const dist::Shard& shard) {
  RowSelection s;
  s.catalogue =
      all ? rows
          : static_cast<std::int64_t>(std::count(membership.begin(), membership.end(), wanted));
  const auto keep = dist::shard_range(s.catalogue, shard);
  s.objects = keep.size();
  if (all) {
    s.first_row = keep.begin;
    s.end_row = keep.end;
    return s;
  }
  for (std::int64_t r = 0, k = 0; r < rows && k < keep.end; ++r) {
    if (membership[static_cast<std::size_t>(r)] != wanted) continue;
    if (k == keep.begin) s.first_row = r;
    if (++k == keep.end) s.end_row = r + 1;
  }
  if (s.objects == 0) s.first_row = s.end_row = 0;
  return s;
}

struct SurveyReader::State {
  std::filesystem::path path;
  h5::Location root;
  std::int64_t size = 0;
  SurveyRoot attrs;
};

SurveyReader::SurveyReader(const std::filesystem::path& path) : state_(std::make_unique<State>()) {
  auto& s = *state_;
  s.path = path;
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  s.root = h5::Location::open_file(path.string());
  s.attrs = read_survey_root(s.root);
  const auto objects = s.root.open_group("objects");
  const auto ids = objects.shape("id");
  if (ids.size() != 1) throw DataError(objects.where("id") + ": expected one dimension");
  const auto n = ids[0];
  s.size = static_cast<std::int64_t>(n);
  expect_rows(objects, "label", objects.shape("label"), n);
  const auto phot = s.root.open_group("photometry");
  check_ragged_shapes(phot, n, {"time", "flux", "flux_err"});
  expect_rows(phot, "features", phot.shape("features"), n, kNumPhotoCols);
  expect_columns(phot, "feature_columns", {kPhotoCols.begin(), kPhotoCols.end()});
  check_ragged_shapes(s.root.open_group("spectra"), n, {"wavelength", "flux", "ivar"});
  const auto meta = s.root.open_group("metadata");
  expect_rows(meta, "present", meta.shape("present"), n);
  expect_rows(meta, "values", meta.shape("values"), n, kNumMetaCols);
  expect_columns(meta, "columns", {kMetaCols.begin(), kMetaCols.end()});
}

SurveyReader::~SurveyReader() {
  if (!state_) return;
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  state_.reset();
}

SurveyReader::SurveyReader(SurveyReader&&) noexcept = default;
SurveyReader& SurveyReader::operator=(SurveyReader&&) noexcept = default;

const std::filesystem::path& SurveyReader::path() const {
  return state_->path;
}
std::int64_t SurveyReader::size() const {
  return state_->size;
}
const std::vector<std::string>& SurveyReader::class_names() const {
  return state_->attrs.class_names;
}
const std::map<std::string, std::string>& SurveyReader::provenance() const {
  return state_->attrs.provenance;
}

bool SurveyReader::has_split_set(const std::string& name) const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  const auto& root = state_->root;
  return root.has("splits") && root.open_group("splits").has(name);
}

std::vector<SplitMembership> SurveyReader::split_membership(const std::string& name) const {
  const auto n = state_->size;
  std::vector<SplitMembership> membership(static_cast<std::size_t>(n), SplitMembership::none);
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  const auto splits = state_->root.open_group("splits");
  if (!splits.has(name)) {
    throw DataError(state_->path.string() + " has no split set " + name);
  }
  const auto g = splits.open_group(name);
  for (auto m : {SplitMembership::train, SplitMembership::val, SplitMembership::test,
                 SplitMembership::unlabeled, SplitMembership::unseen}) {
    const std::string list = split_membership_name(m);
    if (m == SplitMembership::unseen && !g.has(list)) continue;  // optional
    const auto dims = g.shape(list);
    if (dims.size() != 1) throw DataError(g.where(list) + ": expected one dimension");
    for (std::uint64_t first = 0; first < dims[0]; first += kListPiece) {
      for (auto r : g.read_i64_rows(list, first, std::min(kListPiece, dims[0] - first))) {
        if (r < 0 || r >= n) {
          throw DataError(g.where(list) + ": row index " + std::to_string(r) +
                          " out of range [0, " + std::to_string(n) + ")");
        }
        auto& slot = membership[static_cast<std::size_t>(r)];
        if (slot != SplitMembership::none) {
          throw DataError(g.where(list) + ": row " + std::to_string(r) + " is also in " +
                          split_membership_name(slot));
        }
        slot = m;
      }
    }
  }
  return membership;
}

NormalizationStats SurveyReader::normalization(const std::string& name) const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  const auto splits = state_->root.open_group("splits");
  if (!splits.has(name)) {
    throw DataError(state_->path.string() + " has no split set " + name);
  }
  const auto norm = splits.open_group(name).open_group("normalization");
  expect_columns(norm, "columns", normalization_columns());
  NormalizationStats stats;
  Dims d;
  stats.mean = norm.read_f64("mean", &d);
  expect_rows(norm, "mean", d, kNumNormCols);
  stats.std = norm.read_f64("std", &d);
  expect_rows(norm, "std", d, kNumNormCols);
  return stats;
}

Survey SurveyReader::read_rows(std::int64_t begin, std::int64_t end) const {
  const auto& st = *state_;
  if (begin < 0 || end < begin || end > st.size) {
    throw DataError(st.path.string() + ": rows " + std::to_string(begin) + ".." +
                    std::to_string(end) + " outside its " + std::to_string(st.size) + " objects");
  }
  const auto b = static_cast<std::uint64_t>(begin);
  const auto e = static_cast<std::uint64_t>(end);
  Survey s;
  s.class_names = st.attrs.class_names;
  s.provenance = st.attrs.provenance;
  {
    std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
    const auto objects = st.root.open_group("objects");
    s.ids = objects.read_string_rows("id", b, e - b);
    s.labels = objects.read_i32_rows("label", b, e - b);

    const bool last = end == st.size;
    auto& p = s.photometry;
    const auto phot = st.root.open_group("photometry");
    const auto pv = read_ragged_index(phot, s.ids, b, e, last, "time", p.present, p.offsets);
    p.time = phot.read_f64_rows("time", pv.first, pv.count);
    p.flux = phot.read_f32_rows("flux", pv.first, pv.count);
    p.flux_err = phot.read_f32_rows("flux_err", pv.first, pv.count);
    p.features = phot.read_f64_rows("features", b, e - b);

    auto& q = s.spectra;
    const auto spec = st.root.open_group("spectra");
    const auto qv = read_ragged_index(spec, s.ids, b, e, last, "wavelength", q.present, q.offsets);
    q.wavelength = spec.read_f32_rows("wavelength", qv.first, qv.count);
    q.flux = spec.read_f32_rows("flux", qv.first, qv.count);
    q.ivar = spec.read_f32_rows("ivar", qv.first, qv.count);

    const auto meta = st.root.open_group("metadata");
    s.metadata.present = meta.read_u8_rows("present", b, e - b);
    s.metadata.values = meta.read_f64_rows("values", b, e - b);
  }
  const auto violations = validate_survey(s);
  if (!violations.empty()) {
    throw DataError(format_violations(
        st.path.string() + " (rows " + std::to_string(begin) + ".." + std::to_string(end) + ")",
        violations));
  }
  return s;
}

}  // namespace astrom3::data

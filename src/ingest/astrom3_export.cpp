#include "astrom3/ingest/astrom3_export.h"

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "astrom3/common/error.h"
#include "astrom3/common/parallel.h"
#include "astrom3/data/schema.h"
#include "astrom3/ingest/astrom3_layout.h"
#include "astrom3/ingest/lamost_fits.h"
#include "astrom3/ingest/lightcurve_files.h"
#include "astrom3/ingest/text_table.h"
#include "astrom3/ingest/zip_archive.h"

namespace astrom3::ingest {
namespace {

namespace fs = std::filesystem;

// File-system- and zip-safe object name derived from its id.
std::string object_name(const std::string& id) {
  std::string name = id;
  for (char& c : name) {
    if (c == ' ' || c == '/' || c == '\\' || c == ':') c = '_';
  }
  return name;
}

std::string spectrum_file(const std::string& id, std::int64_t row) {
  return "spec-" + object_name(id) + (row % 3 == 0 ? ".fits" : ".fits.gz");
}

std::string class_dir(const data::Survey& s, std::int64_t row) {
  return s.labels[row] >= 0 ? s.class_names[s.labels[row]] : "unlabeled";
}

std::string cell(double v) {
  return std::isnan(v) ? "" : format_number(v);
}

// The ASAS-SN text file: 2 header lines, then HJD MAG MAG_ERR FLUX FLUX_ERR. Floats are written
// as their exact double value so that reading them back as double and rounding to float gives
// the same float.
std::string lightcurve_text(const data::Survey& s, std::int64_t row) {
  std::string out = "# " + s.ids[row] + " (astrom3 synth, ASAS-SN vardb text layout)\n";
  out += "# HJD MAG MAG_ERR FLUX FLUX_ERR\n";
  const auto& p = s.photometry;
  for (auto k = p.offsets[row]; k < p.offsets[row + 1]; ++k) {
    const double flux = p.flux[k], err = p.flux_err[k];
    const double mag = flux > 0 ? -2.5 * std::log10(flux / ab_magnitude_to_mjy(0.0)) : 99.99;
    const double mag_err = flux > 0 ? err / magnitude_error_to_mjy(flux, 1.0) : 99.99;
    char buf[64];
    std::snprintf(buf, sizeof buf, " %.3f %.3f ", mag, mag_err);
    out += format_number(p.time[k]) + buf + format_number(flux) + " " + format_number(err) + "\n";
  }
  return out;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  // errno still holds the failed write's reason, e.g. "No space left on device".
  if (!out.flush()) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
}

std::string split_csv(const data::Survey& s, const std::vector<std::int64_t>& rows, bool labelled) {
  std::string out;
  const auto columns = split_csv_columns();
  for (std::size_t c = 0; c < columns.size(); ++c) out += (c ? "," : "") + columns[c];
  out += "\n";
  // Column -> index into the metadata or photometry features (-1: neither), looked up once.
  std::vector<int> meta_index, photo_index;
  for (const auto& col : columns) {
    meta_index.push_back(data::meta_col_index(col));
    photo_index.push_back(-1);
    for (int k = 0; k < data::kNumPhotoCols; ++k) {
      if (col == data::kPhotoCols[k]) photo_index.back() = k;
    }
  }
  for (auto r : rows) {
    const bool meta = s.metadata.present[r] != 0;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string& col = columns[c];
      std::string v;
      const int m = meta_index[c], photo = photo_index[c];
      if (photo >= 0) {
        v = cell(s.photo_features(r)[photo]);
      } else if (m >= 0) {
        v = meta ? cell(s.meta_values(r)[m]) : "";
      } else if (col == "id") {
        v = csv_field(s.ids[r]);
      } else if (col == "target") {
        v = labelled && s.labels[r] >= 0 ? s.class_names[s.labels[r]] : "";
      } else if (col == "name") {
        v = s.photometry.present[r] ? object_name(s.ids[r]) : "";
      } else if (col == "spec_filename") {
        v = s.spectra.present[r] ? spectrum_file(s.ids[r], r) : "";
      }
      out += (c ? "," : "") + v;
    }
    out += "\n";
  }
  return out;
}

}  // namespace

RawLayoutSummary write_astrom3_layout(const data::Survey& s, const fs::path& requested,
                                      const std::string& generator, int threads) {
  // "data/raw/" and "data/raw" name the same directory; the sibling must be "data/raw.partial".
  fs::path target = requested.lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  if (fs::exists(target) && !fs::is_empty(target)) {
    throw Error(target.string() + ": exists and is not empty; choose a new directory");
  }
  // Everything is written into a sibling directory that is renamed into place when complete,
  // so an interrupted or failed write never leaves a half-written layout under `target`.
  const fs::path dir = target.string() + ".partial";
  struct Cleanup {
    const fs::path& path;
    bool keep = false;
    ~Cleanup() {
      std::error_code ignored;
      if (!keep) fs::remove_all(path, ignored);
    }
  } cleanup{dir};
  fs::remove_all(dir);
  fs::create_directories(dir / "spectra");
  RawLayoutSummary summary;
  const auto n = s.size();

  // Light curves: texts built in parallel, then stored in archive (row) order.
  std::vector<std::string> texts(static_cast<std::size_t>(n));
  parallel_for(n, threads, [&](int, std::int64_t r) {
    if (s.photometry.present[r]) texts[r] = lightcurve_text(s, r);
  });
  ZipWriter zip(dir / "photometry.zip");
  for (std::int64_t r = 0; r < n; ++r) {
    if (!s.photometry.present[r]) continue;
    zip.add(photometry_entry(object_name(s.ids[r])), std::move(texts[r]));
    ++summary.lightcurves;
  }
  zip.close();
  texts = {};

  for (std::int64_t r = 0; r < n; ++r) {
    if (s.spectra.present[r]) fs::create_directories(dir / "spectra" / class_dir(s, r));
  }
  std::atomic<std::int64_t> image{0}, table{0}, gzip{0};
  parallel_for(n, threads, [&](int, std::int64_t r) {
    if (!s.spectra.present[r]) return;
    const auto& sp = s.spectra;
    const auto b = sp.offsets[r], e = sp.offsets[r + 1];
    SpectrumData d{{sp.wavelength.begin() + b, sp.wavelength.begin() + e},
                   {sp.flux.begin() + b, sp.flux.begin() + e},
                   {sp.ivar.begin() + b, sp.ivar.begin() + e}};
    const bool grid = on_lamost_grid(d.wavelength, kLamostCoeff0, kLamostCoeff1);
    const auto layout = r % 2 == 0 && grid ? LamostLayout::kImage : LamostLayout::kCoaddTable;
    const std::string file = spectrum_file(s.ids[r], r);
    write_lamost_fits(dir / "spectra" / class_dir(s, r) / file, d, layout);
    ++(layout == LamostLayout::kImage ? image : table);
    if (file.size() > 3 && file.compare(file.size() - 3, 3, ".gz") == 0) ++gzip;
  });
  summary.spectra_image = image;
  summary.spectra_table = table;
  summary.spectra_gzip = gzip;

  for (const auto& [name, set] : s.split_sets) {
    const fs::path d = dir / split_csv_path(set.subset, set.seed, "train").parent_path();
    fs::create_directories(d);
    write_text(d / "train.csv", split_csv(s, set.train, true));
    write_text(d / "val.csv", split_csv(s, set.val, true));
    write_text(d / "test.csv", split_csv(s, set.test, true));
    if (!set.unlabeled.empty()) write_text(d / "unlabeled.csv", split_csv(s, set.unlabeled, false));
    if (!set.unseen.empty()) write_text(d / "unseen.csv", split_csv(s, set.unseen, false));
    SplitInfo info;
    info.classes = s.class_names;
    info.meta_cols.assign(data::kMetaCols.begin(), data::kMetaCols.end());
    info.photo_cols.assign(data::kPhotoCols.begin(), data::kPhotoCols.end());
    info.all_cols = data::normalization_columns();
    info.mean = set.normalization.mean;
    info.std = set.normalization.std;
    info.generator = generator;
    if (const auto v = s.provenance.find("synth_version"); v != s.provenance.end()) {
      info.synth_version = v->second;  // so that `prepare astrom3` records the same version
    }
    write_text(d / "info.json", split_info_json(info));
    ++summary.split_sets;
  }
  if (fs::exists(target)) fs::remove(target);  // empty, checked above
  fs::create_directories(target.parent_path().empty() ? fs::path(".") : target.parent_path());
  fs::rename(dir, target);
  cleanup.keep = true;
  return summary;
}

}  // namespace astrom3::ingest

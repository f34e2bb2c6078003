#include "astrom3/ingest/spectrum_files.h"

#include <cmath>

#include "astrom3/common/error.h"
#include "astrom3/ingest/text_table.h"

namespace astrom3::ingest {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

constexpr const char* kFitsSuffixes[] = {".fits.gz", ".fit.gz", ".fits", ".fit", ".fts"};

}  // namespace

SpectrumData parse_spectrum_csv(std::string_view text, const std::string& source) {
  const CsvTable t = parse_csv(text, source);
  const int wave = t.require_column("wavelength"), flux = t.require_column("flux");
  const bool has_ivar = t.column("ivar") >= 0;
  if (!has_ivar && t.column("flux_err") < 0) {
    throw DataError(source + ":1: needs an 'ivar' or a 'flux_err' column");
  }
  const int weight = t.require_column(has_ivar ? "ivar" : "flux_err");
  SpectrumData s;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const double w = csv_number(t, r, wave, false), f = csv_number(t, r, flux, false);
    const double e = csv_number(t, r, weight, false);
    if (!std::isfinite(w) || !std::isfinite(f) || !std::isfinite(e) || e < 0) {
      throw DataError(t.where(r) + ": wavelength, flux and " + t.header[weight] +
                      " must be finite and the last one >= 0");
    }
    s.wavelength.push_back(static_cast<float>(w));
    s.flux.push_back(static_cast<float>(f));
    s.ivar.push_back(static_cast<float>(has_ivar ? e : (e > 0 ? 1.0 / (e * e) : 0.0)));
  }
  if (s.wavelength.empty()) throw DataError(source + ": spectrum has no pixels");
  return s;
}

SpectrumData read_spectrum_file(const std::filesystem::path& path) {
  if (ends_with(path.filename().string(), ".csv")) {
    return parse_spectrum_csv(read_file_bytes(path), path.string());
  }
  return read_lamost_fits(path).data;
}

bool spectrum_file_id(const std::filesystem::path& path, std::string& stem) {
  const std::string name = path.filename().string();
  if (ends_with(name, ".csv")) {
    stem = name.substr(0, name.size() - 4);
    return !stem.empty();
  }
  for (const char* suffix : kFitsSuffixes) {
    if (ends_with(name, suffix)) {
      stem = name.substr(0, name.size() - std::string(suffix).size());
      return !stem.empty();
    }
  }
  return false;
}

}  // namespace astrom3::ingest

#include "astrom3/ingest/lightcurve_files.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "astrom3/common/error.h"
#include "astrom3/ingest/text_table.h"

namespace astrom3::ingest {
namespace {

void require_finite(double v, const std::string& where, const char* column) {
  if (!std::isfinite(v)) {
    throw DataError(where + ": column " + column + ": non-finite value " + format_number(v));
  }
}

void require_epochs(const LightCurveData& lc, const std::string& source, const std::string& what) {
  if (lc.time.empty()) throw DataError(source + ": empty light curve (no epochs" + what + ")");
  // Finite times can still span more than a double holds (1e308 and -1e308), which made every
  // derived feature, and then the predictions, NaN.
  const auto [lo, hi] = std::minmax_element(lc.time.begin(), lc.time.end());
  if (!std::isfinite(*hi - *lo)) {
    throw DataError(source + ": the time span from " + format_number(*lo) + " to " +
                    format_number(*hi) + " overflows");
  }
}

// Appends one epoch as the survey stores it (float32 flux and error), so that an imported light
// curve always passes the survey's validation: a value beyond the float32 range or a negative
// uncertainty is refused with its line.
void add_epoch(LightCurveData& lc, double time, double flux, double err, const std::string& where,
               const char* flux_column, const char* err_column) {
  const auto f = static_cast<float>(flux), e = static_cast<float>(err);
  if (!std::isfinite(f)) {
    throw DataError(where + ": column " + flux_column + ": the flux " + format_number(flux) +
                    " mJy is beyond the float32 range the survey stores");
  }
  if (!std::isfinite(e)) {
    throw DataError(where + ": column " + err_column + ": the uncertainty " + format_number(err) +
                    " mJy is beyond the float32 range the survey stores");
  }
  if (e < 0) {
    throw DataError(where + ": column " + err_column + ": negative uncertainty " +
                    format_number(err));
  }
  lc.time.push_back(time);
  lc.flux.push_back(f);
  lc.flux_err.push_back(e);
}

}  // namespace

LightCurveData parse_asassn_lightcurve(std::string_view text, const std::string& source,
                                       bool hjd_float32) {
  const NumericTable t = parse_whitespace_table(text, source, /*skip_lines=*/2, /*columns=*/5);
  LightCurveData lc;
  const auto n = t.rows();
  lc.time.reserve(n);
  lc.flux.reserve(n);
  lc.flux_err.reserve(n);
  for (std::int64_t r = 0; r < n; ++r) {
    const std::string where = source + ":" + std::to_string(t.lines[r]);
    double hjd = t.at(r, 0);
    const double flux = t.at(r, 3), err = t.at(r, 4);
    require_finite(hjd, where, "HJD");
    require_finite(flux, where, "FLUX");
    require_finite(err, where, "FLUX_ERR");
    if (hjd_float32) hjd = static_cast<double>(static_cast<float>(hjd));
    add_epoch(lc, hjd, flux, err, where, "FLUX", "FLUX_ERR");
  }
  require_epochs(lc, source, "");
  return lc;
}

double ab_magnitude_to_mjy(double mag) {
  return 3631.0e3 * std::pow(10.0, -0.4 * mag);
}

double magnitude_error_to_mjy(double flux_mjy, double mag_err) {
  return 0.4 * std::log(10.0) * flux_mjy * mag_err;
}

LightCurveData parse_lightcurve_csv(std::string_view text, const std::string& source,
                                    const std::string& band) {
  const CsvTable t = parse_csv(text, source);
  const int time = t.require_column("time");
  const bool has_flux = t.column("flux") >= 0;
  const bool has_mag = t.column("mag") >= 0;
  if (!has_flux && !has_mag) {
    throw DataError(source + ":1: needs a 'flux' and 'flux_err' or a 'mag' and 'mag_err' column");
  }
  const int value = t.require_column(has_flux ? "flux" : "mag");
  const int error = t.require_column(has_flux ? "flux_err" : "mag_err");
  const int band_col = t.column("band");
  if (band_col >= 0 && band.empty()) {
    std::set<std::string> bands;
    for (const auto& row : t.rows) bands.insert(row[band_col]);
    if (bands.size() > 1) {
      std::string list;
      for (const auto& b : bands) list += (list.empty() ? "" : ", ") + b;
      throw DataError(source + ": holds several bands (" + list + "): choose one with --band");
    }
  }
  LightCurveData lc;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (band_col >= 0 && !band.empty() && t.rows[r][band_col] != band) continue;
    const double tt = csv_number(t, r, time, false);
    double v = csv_number(t, r, value, false), e = csv_number(t, r, error, false);
    require_finite(tt, t.where(r), "time");
    require_finite(v, t.where(r), has_flux ? "flux" : "mag");
    require_finite(e, t.where(r), has_flux ? "flux_err" : "mag_err");
    if (!has_flux) {
      v = ab_magnitude_to_mjy(v);
      e = magnitude_error_to_mjy(v, e);
    }
    add_epoch(lc, tt, v, e, t.where(r), has_flux ? "flux" : "mag",
              has_flux ? "flux_err" : "mag_err");
  }
  require_epochs(lc, source, band_col >= 0 && !band.empty() ? " in band " + band : "");
  return lc;
}

}  // namespace astrom3::ingest

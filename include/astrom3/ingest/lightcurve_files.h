// Light-curve file readers: the ASAS-SN variable-star database text files of the published
// AstroM3 dataset, and users' CSV light curves.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace astrom3::ingest {

/// One light curve in the units of the survey file: time in days, flux and flux_err in mJy.
struct LightCurveData {
  std::vector<double> time;
  std::vector<float> flux, flux_err;
};

/// ASAS-SN `vardb_files/<name>.dat` (docs/data-import.md): 2 header lines, then whitespace columns
/// HJD, MAG, MAG_ERR, FLUX, FLUX_ERR; keeps HJD, FLUX, FLUX_ERR. When `hjd_float32`, HJD is
/// rounded to float32 as in the published Parquet files (0.25 d steps near 2.457e6), so that
/// preprocessing reproduces the paper's pipeline exactly. Throws DataError naming `source`
/// (and the line) for a non-numeric field, a non-finite value or a file without epochs.
LightCurveData parse_asassn_lightcurve(std::string_view text, const std::string& source,
                                       bool hjd_float32);

/// Flux density in mJy of an AB magnitude (3631 Jy at m = 0) and the error propagated from a
/// magnitude error to first order: sigma_F = 0.4 ln(10) F sigma_m.
double ab_magnitude_to_mjy(double mag);
double magnitude_error_to_mjy(double flux_mjy, double mag_err);

/// A user's CSV light curve with a header: `time` (days) and either `flux`,`flux_err` (mJy) or
/// `mag`,`mag_err` (AB magnitudes, converted to mJy). With a `band` column, `band` selects the
/// rows of one band and is required when the file holds several; files without a band column
/// are single-band and `band` does not apply. Empty or non-numeric values are errors naming
/// the file and line.
LightCurveData parse_lightcurve_csv(std::string_view text, const std::string& source,
                                    const std::string& band);

}  // namespace astrom3::ingest

// Spectrum files of users' own data: LAMOST FITS (either layout, gzip or not) or CSV with a
// header `wavelength` (Angstrom), `flux`, and `ivar` or `flux_err` (ivar = 1 / flux_err^2,
// 0 where flux_err is 0).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "astrom3/ingest/lamost_fits.h"

namespace astrom3::ingest {

/// Parses a CSV spectrum; DataError naming file and line for empty, non-numeric or non-finite
/// values, a negative flux_err or ivar, or no pixels.
SpectrumData parse_spectrum_csv(std::string_view text, const std::string& source);

/// Reads `path` by extension: .csv as CSV, .fits / .fits.gz / .fit / .fts as LAMOST FITS.
SpectrumData read_spectrum_file(const std::filesystem::path& path);

/// True for the extensions read_spectrum_file understands; `stem` receives the object id.
bool spectrum_file_id(const std::filesystem::path& path, std::string& stem);

}  // namespace astrom3::ingest

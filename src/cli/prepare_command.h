// astrom3 prepare astrom3 | catalog: import the published AstroM3 raw files or a user's own
// light curves, spectra and catalogue into one survey file plus an import report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "astrom3/ingest/astrom3_import.h"
#include "astrom3/ingest/catalog_import.h"
#include "cli/config_flags.h"
#include "cli/global_flags.h"

namespace astrom3::cli {

// Input paths go straight into the import options; settings flags are unset unless given and
// each writes one key of the `prepare` section (a boolean flag only ever sets true).
struct PrepareArgs {
  std::string out;
  ingest::AstroM3ImportOptions astrom3;  // root only; the settings come from prepare.astrom3
  ingest::CatalogImportOptions catalog;  // paths only; the settings come from prepare.catalog
  bool hjd_float32 = false;
  bool refit_normalization = false;
  bool allow_incomplete = false;
  std::optional<std::string> band;
  std::optional<std::vector<std::string>> missing_columns;
  bool allow_missing_columns = false;
  std::optional<std::vector<std::string>> classes;
  std::optional<std::uint64_t> split_seed;
  std::optional<double> val_fraction;
  std::optional<double> test_fraction;
  bool stratified = false;
  ConfigFlags config;
  CLI::App* astrom3_cmd = nullptr;
  CLI::App* catalog_cmd = nullptr;
};

CLI::App* add_prepare_command(CLI::App& app, PrepareArgs& args);
int run_prepare(PrepareArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

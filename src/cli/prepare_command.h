// astrom3 prepare astrom3 | catalog: import the published AstroM3 raw files or a user's own
// light curves, spectra and catalogue into one survey file plus an import report.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "astrom3/ingest/astrom3_import.h"
#include "astrom3/ingest/catalog_import.h"
#include "cli/global_flags.h"

namespace astrom3::cli {

struct PrepareArgs {
  std::string out;
  ingest::AstroM3ImportOptions astrom3;
  ingest::CatalogImportOptions catalog;
  std::vector<std::string> missing_columns;
  std::vector<std::string> classes;
  CLI::App* astrom3_cmd = nullptr;
  CLI::App* catalog_cmd = nullptr;
};

CLI::App* add_prepare_command(CLI::App& app, PrepareArgs& args);
int run_prepare(PrepareArgs& args, const GlobalFlags& global);

}  // namespace astrom3::cli

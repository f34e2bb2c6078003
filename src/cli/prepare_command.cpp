#include "cli/prepare_command.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/survey_io.h"

namespace astrom3::cli {

CLI::App* add_prepare_command(CLI::App& app, PrepareArgs& args) {
  auto* cmd = app.add_subcommand(
      "prepare", "Import the published AstroM3 files or your own data into a survey file");
  cmd->require_subcommand(1);

  auto* a = cmd->add_subcommand("astrom3",
                                "Import the raw AstroM3Dataset layout "
                                "(photometry.zip, spectra/, splits/)");
  a->add_option("--root", args.astrom3.root, "dataset root directory")->required();
  a->add_option("--out,-o", args.out, "output survey file (HDF5)")->required();
  a->add_flag("--hjd-float32", args.astrom3.hjd_float32,
              "round HJD to float32 as the published Parquet files do");
  a->add_flag("--refit-normalization", args.astrom3.refit_normalization,
              "fit normalization on each imported train split instead of using info.json");
  a->add_flag("--allow-incomplete", args.astrom3.allow_incomplete,
              "write the survey even if the paper-count check fails (partial download)");
  args.astrom3_cmd = a;

  auto* c = cmd->add_subcommand("catalog",
                                "Import your own light curves, spectra, catalogue and "
                                "labels");
  auto& o = args.catalog;
  c->add_option("--lightcurves", o.lightcurves, "directory of <id>.csv light curves")->required();
  c->add_option("--metadata", o.metadata, "catalogue CSV keyed by id")->required();
  c->add_option("--spectra", o.spectra, "directory of <id>.fits[.gz] or <id>.csv spectra");
  c->add_option("--labels", o.labels, "CSV with columns id,label");
  c->add_option("--splits", o.splits, "CSV with columns id,split[,set]; default: generate");
  c->add_option("--out,-o", args.out, "output survey file (HDF5)")->required();
  c->add_option("--band", o.band, "band to keep from multi-band light curves");
  c->add_option("--missing-columns", args.missing_columns,
                "catalogue columns the metadata CSV lacks (comma-separated)")
      ->delimiter(',');
  c->add_flag("--allow-missing-columns", o.allow_missing_columns,
              "accept any absent catalogue column as missing");
  c->add_option("--classes", args.classes, "label vocabulary in label order (comma-separated)")
      ->delimiter(',');
  c->add_option("--split-seed", o.split.seed, "seed of the generated split set full_<seed>");
  c->add_option("--val-fraction", o.split.val_fraction, "fraction of labelled objects in val")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--test-fraction", o.split.test_fraction, "fraction of labelled objects in test")
      ->check(CLI::Range(0.0, 1.0));
  c->add_flag("--stratified", o.split.stratified, "split each class separately");
  args.catalog_cmd = c;
  return cmd;
}

int run_prepare(PrepareArgs& args, const GlobalFlags& global) {
  const int threads = worker_threads(global.threads.value_or(0));
  prepare_output_location(args.out);  // fail now, not after reading every file
  ingest::ImportResult result;
  if (args.astrom3_cmd->parsed()) {
    args.astrom3.threads = threads;
    result = ingest::import_astrom3_dataset(args.astrom3);
  } else {
    args.catalog.threads = threads;
    args.catalog.missing_columns = {args.missing_columns.begin(), args.missing_columns.end()};
    args.catalog.classes = args.classes;
    result = ingest::import_catalog(args.catalog);
  }
  const auto& report = result.report;
  if (result.survey.size() == 0) {
    throw DataError(
        "nothing imported: all " + std::to_string(report.seen) + " objects were rejected (first: " +
        (report.rejected.empty() ? std::string("none") : report.rejected[0].reason) + ")");
  }
  const auto t0 = std::chrono::steady_clock::now();
  data::write_survey(result.survey, args.out);
  const double write_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto report_path = ingest::report_path_for(args.out);
  ingest::write_report(report, report_path);

  spdlog::info("[prepare] {}", report.summary());
  for (std::size_t i = 0; i < report.rejected.size() && i < 5; ++i) {
    spdlog::warn("[prepare] rejected {}: {}", report.rejected[i].id, report.rejected[i].reason);
  }
  if (report.rejected.size() > 5) {
    spdlog::warn("[prepare] ... and {} more rejections", report.rejected.size() - 5);
  }
  for (const auto& w : report.warnings) spdlog::warn("[prepare] {}", w);
  std::int64_t missing = 0;
  for (const auto& [column, count] : report.missing_values) missing += count;
  if (missing > 0) {
    spdlog::info("[prepare] {} empty catalogue cells stored as missing (per column in the report)",
                 missing);
  }
  spdlog::info("[prepare] wrote {} ({} objects, {} split sets) in {:.1f} s, and {}", args.out,
               result.survey.size(), result.survey.split_sets.size(), write_seconds,
               report_path.string());
  return 0;
}

}  // namespace astrom3::cli

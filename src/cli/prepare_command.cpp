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
  a->add_option("--root", args.astrom3.root, "dataset root directory (required)");
  a->add_option("--out,-o", args.out, "output survey file (HDF5) (required)");
  a->add_flag("--hjd-float32", args.hjd_float32,
              "round HJD to float32 as the published Parquet files do "
              "(prepare.astrom3.hjd_float32)");
  a->add_flag("--refit-normalization", args.refit_normalization,
              "fit normalization on each imported train split instead of using info.json "
              "(prepare.astrom3.refit_normalization)");
  a->add_flag("--allow-incomplete", args.allow_incomplete,
              "write the survey even if the paper-count check fails (partial download) "
              "(prepare.astrom3.allow_incomplete)");
  add_config_flags(*a, args.config);
  args.astrom3_cmd = a;

  auto* c = cmd->add_subcommand("catalog",
                                "Import your own light curves, spectra, catalogue and "
                                "labels");
  auto& o = args.catalog;
  c->add_option("--lightcurves", o.lightcurves, "directory of <id>.csv light curves (required)");
  c->add_option("--metadata", o.metadata, "catalogue CSV keyed by id (required)");
  c->add_option("--spectra", o.spectra, "directory of <id>.fits[.gz] or <id>.csv spectra");
  c->add_option("--labels", o.labels, "CSV with columns id,label");
  c->add_option("--splits", o.splits, "CSV with columns id,split[,set]; default: generate");
  c->add_option("--out,-o", args.out, "output survey file (HDF5) (required)");
  c->add_option("--band", args.band,
                "band to keep from multi-band light curves (prepare.catalog.band)");
  c->add_option("--missing-columns", args.missing_columns,
                "catalogue columns the metadata CSV lacks, comma-separated "
                "(prepare.catalog.missing_columns)")
      ->delimiter(',');
  c->add_flag("--allow-missing-columns", args.allow_missing_columns,
              "accept any absent catalogue column as missing "
              "(prepare.catalog.allow_missing_columns)");
  c->add_option("--classes", args.classes,
                "label vocabulary in label order, comma-separated (prepare.catalog.classes)")
      ->delimiter(',');
  c->add_option("--split-seed", args.split_seed,
                "seed of the generated split set full_<seed> (prepare.catalog.split.seed)");
  c->add_option("--val-fraction", args.val_fraction,
                "fraction of labelled objects in val (prepare.catalog.split.val_fraction)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--test-fraction", args.test_fraction,
                "fraction of labelled objects in test (prepare.catalog.split.test_fraction)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_flag("--stratified", args.stratified,
              "split each class separately (prepare.catalog.split.stratified)");
  add_config_flags(*c, args.config);
  args.catalog_cmd = c;
  return cmd;
}

namespace {

std::optional<config::RunConfig> prepare_config(const PrepareArgs& args,
                                                const GlobalFlags& global) {
  TypedFlags typed;
  const auto flag = [&typed](const char* key, bool given) {
    if (given) typed.emplace_back(key, true);
  };
  flag("prepare.astrom3.hjd_float32", args.hjd_float32);
  flag("prepare.astrom3.refit_normalization", args.refit_normalization);
  flag("prepare.astrom3.allow_incomplete", args.allow_incomplete);
  add_typed(typed, "prepare.catalog.band", args.band);
  add_typed(typed, "prepare.catalog.missing_columns", args.missing_columns);
  flag("prepare.catalog.allow_missing_columns", args.allow_missing_columns);
  add_typed(typed, "prepare.catalog.classes", args.classes);
  add_typed(typed, "prepare.catalog.split.seed", args.split_seed);
  add_typed(typed, "prepare.catalog.split.val_fraction", args.val_fraction);
  add_typed(typed, "prepare.catalog.split.test_fraction", args.test_fraction);
  flag("prepare.catalog.split.stratified", args.stratified);
  return resolve_or_dump(args.config, global, std::move(typed));
}

ingest::ImportResult import(PrepareArgs& args, const config::RunConfig& config) {
  const int threads = worker_threads(config.runtime.threads);
  if (args.astrom3_cmd->parsed()) {
    require_flag(args.astrom3.root.string(), "prepare astrom3", "--root");
    require_flag(args.out, "prepare astrom3", "--out");
    prepare_output_location(args.out);  // fail now, not after reading every file
    const auto& s = config.prepare.astrom3;
    args.astrom3.hjd_float32 = s.hjd_float32;
    args.astrom3.refit_normalization = s.refit_normalization;
    args.astrom3.allow_incomplete = s.allow_incomplete;
    args.astrom3.threads = threads;
    return ingest::import_astrom3_dataset(args.astrom3);
  }
  require_flag(args.catalog.lightcurves.string(), "prepare catalog", "--lightcurves");
  require_flag(args.catalog.metadata.string(), "prepare catalog", "--metadata");
  require_flag(args.out, "prepare catalog", "--out");
  prepare_output_location(args.out);
  const auto& s = config.prepare.catalog;
  args.catalog.band = s.band;
  args.catalog.missing_columns = {s.missing_columns.begin(), s.missing_columns.end()};
  args.catalog.allow_missing_columns = s.allow_missing_columns;
  args.catalog.classes = s.classes;
  args.catalog.split = s.split;
  args.catalog.threads = threads;
  return ingest::import_catalog(args.catalog);
}

}  // namespace

int run_prepare(PrepareArgs& args, const GlobalFlags& global) {
  const auto resolved = prepare_config(args, global);
  if (!resolved) return 0;  // --dump-config
  const auto& config = *resolved;
  note_cpu_only(config, "prepare");
  const auto result = import(args, config);
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

#include "cli/synth_command.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/survey_io.h"
#include "astrom3/ingest/astrom3_export.h"
#include "astrom3/synth/survey_generator.h"
#include "cli/validators.h"

namespace astrom3::cli {

CLI::App* add_synth_command(CLI::App& app, SynthArgs& args) {
  auto* cmd = app.add_subcommand("synth", "Generate a synthetic trimodal variable-star survey");
  cmd->add_option("--out,-o", args.out, "output survey file (HDF5)");
  cmd->add_option("--raw-layout", args.raw_layout,
                  "also write the published AstroM3 raw layout (photometry.zip, FITS spectra, "
                  "split CSVs) into this new directory");
  cmd->add_option("--objects", args.objects, "labelled objects (synth.objects)")
      ->check(non_negative());
  cmd->add_option("--unlabeled", args.unlabeled, "extra unlabelled objects (synth.unlabeled)")
      ->check(non_negative());
  cmd->add_option("--unseen", args.unseen,
                  "extra objects of classes outside the 10 (DCEP, T2CEP, LSP, YSO), held out "
                  "for open-set evaluation (synth.unseen)")
      ->check(non_negative());
  cmd->add_option("--seed", args.seed, "random seed (synth.seed)");
  add_config_flags(*cmd, args.config);
  return cmd;
}

namespace {

// Refuses outputs that cannot be written before minutes of generation.
void check_outputs(const SynthArgs& args) {
  if (args.out.empty() && args.raw_layout.empty()) {
    throw ConfigError("synth: --out FILE or --raw-layout DIR is required");
  }
  if (!args.out.empty()) prepare_output_location(args.out);
  if (!args.raw_layout.empty() && std::filesystem::exists(args.raw_layout) &&
      !std::filesystem::is_empty(args.raw_layout)) {
    throw ConfigError("synth: --raw-layout " + args.raw_layout + " exists and is not empty");
  }
}

// The planted cases' truth goes next to the survey file, or into the raw layout's directory
// when only that is written (it is not part of the ASTROM3 layout itself).
void write_planted_truth(const SynthArgs& args, const synth::SynthOptions& o,
                         const data::Survey& survey,
                         const std::vector<synth::PlantedTruth>& truth) {
  const auto path = args.out.empty() ? std::filesystem::path(args.raw_layout) / "truth.csv"
                                     : synth::truth_path_for(args.out);
  synth::write_truth_csv(path, survey.ids, survey.labels, truth, synth::star_class_names());
  std::int64_t mislabelled = 0, oddballs = 0;
  for (const auto& t : truth) {
    mislabelled += t.mislabelled;
    oddballs += t.oddball;
  }
  spdlog::info(
      "[synth] planted {} mislabels, {} {} oddballs and {} unseen-class objects; "
      "truth in {}",
      mislabelled, oddballs, o.oddball_class, o.unseen, path.string());
}

}  // namespace

int run_synth(const SynthArgs& args, const GlobalFlags& global) {
  TypedFlags typed;
  add_typed(typed, "synth.objects", args.objects);
  add_typed(typed, "synth.unlabeled", args.unlabeled);
  add_typed(typed, "synth.unseen", args.unseen);
  add_typed(typed, "synth.seed", args.seed);
  const auto resolved = resolve_or_dump(args.config, global, std::move(typed));
  if (!resolved) return 0;
  const auto& config = *resolved;
  note_cpu_only(config, "synth");
  check_outputs(args);

  const int threads = worker_threads(config.runtime.threads);
  const auto t0 = std::chrono::steady_clock::now();
  spdlog::info("[synth] generating {} labelled + {} unlabelled + {} unseen-class objects (seed {})",
               config.synth.objects, config.synth.unlabeled, config.synth.unseen,
               config.synth.seed);
  std::vector<synth::PlantedTruth> truth;
  data::Survey survey = synth::generate_survey(config.synth, threads, &truth);
  survey.provenance["config"] = config::to_json(config).dump();
  if (!args.out.empty()) {
    data::write_survey(survey, args.out);
    spdlog::info("[synth] wrote {} ({} objects, {} split sets)", args.out, survey.size(),
                 survey.split_sets.size());
  }
  if (!args.raw_layout.empty()) {
    const auto raw = ingest::write_astrom3_layout(survey, args.raw_layout,
                                                  survey.provenance["generator"], threads);
    spdlog::info(
        "[synth] wrote the raw layout in {}: {} light curves in photometry.zip, {} "
        "spectra ({} image layout, {} COADD table, {} gzip), {} split directories",
        args.raw_layout, raw.lightcurves, raw.spectra_image + raw.spectra_table, raw.spectra_image,
        raw.spectra_table, raw.spectra_gzip, raw.split_sets);
  }
  if (config.synth.plants_cases()) write_planted_truth(args, config.synth, survey, truth);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  spdlog::info("[synth] done in {:.1f} s", seconds);
  return 0;
}

}  // namespace astrom3::cli

#include "cli/inspect_command.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "astrom3/common/device.h"
#include "astrom3/data/survey_io.h"
#include "astrom3/data/survey_summary.h"

namespace astrom3::cli {

CLI::App* add_inspect_command(CLI::App& app, InspectArgs& args) {
  auto* cmd = app.add_subcommand(
      "inspect", "Validate a survey file against the schema and summarise its contents");
  cmd->add_option("file", args.file, "survey file (HDF5)")->required();
  cmd->add_flag("--json", args.json, "print the summary as JSON");
  add_config_flags(*cmd, args.config);
  return cmd;
}

int run_inspect(const InspectArgs& args, const GlobalFlags& global) {
  const auto resolved = resolve_or_dump(args.config, global);
  if (!resolved) return 0;
  const auto& config = *resolved;
  note_cpu_only(config, "inspect");
  const data::Survey survey = data::read_survey(args.file);  // throws DataError if invalid
  data::SummaryOptions options;
  options.min_spectrum_coverage = config.data.min_spectrum_coverage;
  options.threads = worker_threads(config.runtime.threads);
  const auto summary = data::summarize_survey(survey, options);
  if (args.json) {
    std::cout << summary.dump(2) << std::endl;
  } else {
    std::cout << args.file << ": valid astrom3 survey file\n\n" << data::format_summary(summary);
  }
  return 0;
}

}  // namespace astrom3::cli

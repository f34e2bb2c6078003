#include "cli/outliers_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <iostream>
#include <sstream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/embedding_outliers.h"
#include "cli/validators.h"

namespace astrom3::cli {

CLI::App* add_outliers_command(CLI::App& app, OutliersArgs& args) {
  auto* cmd = app.add_subcommand("outliers",
                                 "Objects far from their class centroid in one or more modalities");
  cmd->add_option("--embeddings,-e", args.embeddings, "file written by astrom3 embed (required)");
  cmd->add_option("--modalities", args.modalities,
                  "modalities to test (default: all) (outliers.modalities)")
      ->delimiter(',');
  cmd->add_option("--percentile", args.percentile,
                  "per-class percentile of the centroid distance above which an object is an "
                  "outlier (outliers.percentile)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--knn", args.knn,
                  "neighbours of the label-free k-NN distance score (outliers.knn)")
      ->check(positive());
  add_index_flags(cmd, args.index);
  cmd->add_option("--show", args.show, "rows of the terminal summary (outliers.show)")
      ->check(non_negative());
  cmd->add_option("--out,-o", args.out, "CSV with one row per labelled object");
  add_config_flags(*cmd, args.config);
  return cmd;
}

int run_outliers(const OutliersArgs& args, const GlobalFlags& global) {
  TypedFlags typed;
  add_typed(typed, "outliers.modalities", args.modalities);
  add_typed(typed, "outliers.percentile", args.percentile);
  add_typed(typed, "outliers.knn", args.knn);
  add_typed(typed, "outliers.show", args.show);
  add_typed(typed, args.index);
  const auto resolved = resolve_or_dump(args.config, global, std::move(typed));
  if (!resolved) return 0;
  const auto& config = *resolved;
  require_flag(args.embeddings, "outliers", "--embeddings");
  note_cpu_only(config, "outliers");
  const auto& o = config.outliers;
  if (!args.out.empty()) prepare_output_location(args.out);
  // Every space when no modality is named; the named ones plus fused otherwise.
  auto spaces = o.modalities;
  if (!spaces.empty()) spaces.push_back("fused");
  const auto table = eval::read_embedding_file(args.embeddings, spaces);
  const auto report =
      eval::find_outliers(table, o.modalities.empty() ? table.info.modalities : o.modalities,
                          o.percentile, o.knn, config.index);
  if (!args.out.empty()) {
    std::ostringstream csv;
    eval::write_outliers_csv(csv, table, report);
    write_text_file_atomic(args.out, csv.str());
  }
  eval::write_outliers_summary(std::cout, table, report, static_cast<std::size_t>(o.show));
  if (!args.out.empty()) {
    spdlog::info("[outliers] wrote {} ({} rows)", args.out, report.ranking.size());
  }
  return 0;
}

}  // namespace astrom3::cli

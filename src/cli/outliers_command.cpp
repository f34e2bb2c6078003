#include "cli/outliers_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <iostream>
#include <sstream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/embedding_outliers.h"
#include "cli/validators.h"

namespace astrom3::cli {

CLI::App* add_outliers_command(CLI::App& app, OutliersArgs& args) {
  auto* cmd = app.add_subcommand("outliers",
                                 "Objects far from their class centroid in one or more modalities");
  cmd->add_option("--embeddings,-e", args.embeddings, "file written by astrom3 embed")->required();
  cmd->add_option("--modalities", args.modalities, "modalities to test (default: all)")
      ->delimiter(',');
  cmd->add_option("--percentile", args.percentile,
                  "per-class percentile of the centroid distance above which an object is an "
                  "outlier")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--knn", args.knn, "neighbours of the label-free k-NN distance score")
      ->check(positive());
  add_index_flags(cmd, args.index);
  cmd->add_option("--show", args.show, "rows of the terminal summary")->check(non_negative());
  cmd->add_option("--out,-o", args.out, "CSV with one row per labelled object");
  return cmd;
}

int run_outliers(const OutliersArgs& args, const GlobalFlags& global) {
  if (!args.out.empty()) prepare_output_location(args.out);
  at::set_num_threads(worker_threads(global.threads.value_or(0)));
  // Every space when --modalities is not given; the named ones plus fused otherwise.
  auto spaces = args.modalities;
  if (!spaces.empty()) spaces.push_back("fused");
  const auto table = eval::read_embedding_file(args.embeddings, spaces);
  const auto report =
      eval::find_outliers(table, args.modalities.empty() ? table.info.modalities : args.modalities,
                          args.percentile, args.knn, search_options(args.index));
  if (!args.out.empty()) {
    std::ostringstream csv;
    eval::write_outliers_csv(csv, table, report);
    write_text_file_atomic(args.out, csv.str());
  }
  eval::write_outliers_summary(std::cout, table, report, static_cast<std::size_t>(args.show));
  if (!args.out.empty()) {
    spdlog::info("[outliers] wrote {} ({} rows)", args.out, report.ranking.size());
  }
  return 0;
}

}  // namespace astrom3::cli

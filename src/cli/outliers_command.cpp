#include "cli/outliers_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/embedding_outliers.h"
#include "astrom3/ingest/text_table.h"
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
  const auto modalities = args.modalities.empty() ? table.info.modalities : args.modalities;
  const auto classes = static_cast<std::int64_t>(table.info.class_names.size());
  const auto labels =
      torch::tensor(std::vector<std::int64_t>(table.labels.begin(), table.labels.end()));
  const auto train = table.in_split("train");
  const auto n = static_cast<std::size_t>(table.ids.size());

  std::vector<eval::CentroidDistances> per_modality;
  for (const auto& m : modalities) {
    per_modality.push_back(eval::centroid_distances(table.of(m), labels, table.present_in(m), train,
                                                    classes, args.percentile));
  }
  const auto knn = eval::knn_distance_score(table.of("fused"), table.present_in("fused"), args.knn,
                                            search_options(args.index));
  std::vector<double> finite_knn;
  for (double v : knn) {
    if (!std::isnan(v)) finite_knn.push_back(v);
  }
  const double knn_cut = eval::percentile(finite_knn, args.percentile);

  // Per object: modalities above their class threshold, and the largest distance/threshold.
  std::vector<int> flagged(n, 0);
  std::vector<double> excess(n, 0.0);
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < n; ++i) {
    if (table.labels[i] < 0) continue;
    rows.push_back(i);
    for (const auto& d : per_modality) {
      const double t = d.threshold[table.labels[i]];
      if (std::isnan(d.distance[i]) || std::isnan(t)) continue;
      flagged[i] += d.distance[i] > t;
      excess[i] = std::max(excess[i], d.distance[i] / std::max(t, 1e-12));
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    return flagged[a] != flagged[b] ? flagged[a] > flagged[b] : excess[a] > excess[b];
  });

  std::string csv = "id,label,split";
  for (const auto& m : modalities) {
    csv += "," + m + "_distance," + m + "_rank," + m + "_threshold," + m + "_outlier";
  }
  csv += ",outlier_modalities,knn_distance,knn_outlier\n";
  char buf[64];
  for (auto i : rows) {
    csv += ingest::csv_field(table.ids[i]) + "," + table.label_name(i) + "," + table.split[i];
    for (const auto& d : per_modality) {
      const double t = d.threshold[table.labels[i]];
      if (std::isnan(d.distance[i])) {
        csv += ",,,,";
        continue;
      }
      std::snprintf(buf, sizeof buf, ",%.6f,%lld,%.6f,%d", d.distance[i],
                    static_cast<long long>(d.rank[i]), t, d.distance[i] > t ? 1 : 0);
      csv += buf;
    }
    if (std::isnan(knn[i])) {
      std::snprintf(buf, sizeof buf, ",%d,,", flagged[i]);
    } else {
      std::snprintf(buf, sizeof buf, ",%d,%.6f,%d", flagged[i], knn[i], knn[i] > knn_cut ? 1 : 0);
    }
    csv += std::string(buf) + "\n";
  }
  if (!args.out.empty()) write_text_file_atomic(args.out, csv);

  std::size_t any = 0, several = 0, isolated = 0;
  for (auto i : rows) {
    any += flagged[i] >= 1;
    several += flagged[i] >= 2;
    isolated += !std::isnan(knn[i]) && knn[i] > knn_cut;
  }
  std::cout << "outliers above the per-class " << args.percentile << "th percentile of centroid "
            << "distance: " << any << " objects in at least one modality, " << several
            << " in two or more (of " << rows.size() << " labelled); label-free: " << isolated
            << " above the " << args.percentile << "th percentile of the " << args.knn
            << "-NN distance\n";
  std::cout << "id                     label  split  modalities  largest distance/threshold\n";
  for (std::size_t r = 0; r < rows.size() && r < static_cast<std::size_t>(args.show); ++r) {
    const auto i = rows[r];
    std::snprintf(buf, sizeof buf, "%-6s %-6s %10d  %.3f", table.label_name(i).c_str(),
                  table.split[i].c_str(), flagged[i], excess[i]);
    std::printf("%-22s %s\n", table.ids[i].c_str(), buf);
  }
  if (!args.out.empty()) spdlog::info("[outliers] wrote {} ({} rows)", args.out, rows.size());
  return 0;
}

}  // namespace astrom3::cli

#include "cli/map_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unordered_map>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"
#include "astrom3/data/survey_io.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/embedding_map.h"
#include "astrom3/ingest/text_table.h"
#include "astrom3/io/scatter_png.h"
#include "cli/validators.h"

namespace astrom3::cli {
namespace fs = std::filesystem;
namespace {

std::string fixed(double v, int digits = 6) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Mean raw catalogue values (photometry features then metadata) of each cluster, read from the
// survey by id, and the columns whose cluster means differ most in units of their spread.
void summarise_clusters(const std::string& survey_path, const eval::EmbeddingTable& table,
                        const std::vector<std::int64_t>& rows,
                        const std::vector<std::int64_t>& assignment, std::int64_t k,
                        std::string& csv) {
  const auto survey = data::read_survey(survey_path);
  std::unordered_map<std::string, std::int64_t> row_of;
  for (std::int64_t i = 0; i < survey.size(); ++i) row_of.emplace(survey.ids[i], i);
  const auto columns = data::normalization_columns();
  const auto nc = columns.size();
  std::vector<std::vector<double>> sum(k, std::vector<double>(nc, 0.0)), count = sum;
  std::vector<double> all_sum(nc, 0.0), all_sq(nc, 0.0), all_n(nc, 0.0);
  for (std::size_t j = 0; j < rows.size(); ++j) {
    const auto it = row_of.find(table.ids[rows[j]]);
    if (it == row_of.end()) continue;
    const auto r = it->second;
    for (std::size_t c = 0; c < nc; ++c) {
      const bool photo = c < static_cast<std::size_t>(data::kNumPhotoCols);
      if (!photo && !survey.metadata.present[r]) continue;
      const double v =
          photo ? survey.photo_features(r)[c] : survey.meta_values(r)[c - data::kNumPhotoCols];
      if (!std::isfinite(v)) continue;
      sum[assignment[j]][c] += v;
      count[assignment[j]][c] += 1;
      all_sum[c] += v;
      all_sq[c] += v * v;
      all_n[c] += 1;
    }
  }
  csv = "cluster,size";
  for (const auto& c : columns) csv += ",mean_" + c;
  csv += "\n";
  std::vector<std::int64_t> sizes(k, 0);
  for (auto a : assignment) ++sizes[a];
  for (std::int64_t g = 0; g < k; ++g) {
    csv += std::to_string(g) + "," + std::to_string(sizes[g]);
    for (std::size_t c = 0; c < nc; ++c) {
      csv += "," + (count[g][c] > 0 ? fixed(sum[g][c] / count[g][c]) : std::string());
    }
    csv += "\n";
  }
  // Separation of the clusters per column: range of cluster means / pooled std.
  std::vector<std::pair<double, std::size_t>> spread;
  for (std::size_t c = 0; c < nc; ++c) {
    if (all_n[c] < 2) continue;
    const double mean = all_sum[c] / all_n[c];
    const double sd = std::sqrt(std::max(0.0, all_sq[c] / all_n[c] - mean * mean));
    double lo = INFINITY, hi = -INFINITY;
    for (std::int64_t g = 0; g < k; ++g) {
      if (count[g][c] == 0) continue;
      lo = std::min(lo, sum[g][c] / count[g][c]);
      hi = std::max(hi, sum[g][c] / count[g][c]);
    }
    if (sd > 0 && hi >= lo) spread.push_back({(hi - lo) / sd, c});
  }
  std::sort(spread.rbegin(), spread.rend());
  std::cout << "catalogue columns that separate the clusters most (difference of cluster means "
               "in standard deviations):\n";
  for (std::size_t s = 0; s < spread.size() && s < 5; ++s) {
    const auto c = spread[s].second;
    std::cout << "  " << columns[c] << ": " << fixed(spread[s].first, 2) << " (";
    for (std::int64_t g = 0; g < k; ++g) {
      std::cout << (g ? ", " : "") << "cluster " << g << " "
                << (count[g][c] > 0 ? fixed(sum[g][c] / count[g][c], 3) : "-");
    }
    std::cout << ")\n";
  }
}

}  // namespace

CLI::App* add_map_command(CLI::App& app, MapArgs& args) {
  auto* cmd =
      app.add_subcommand("map", "2-D map of an embedding file (PCA) and sub-clusters of a class");
  cmd->add_option("--embeddings,-e", args.embeddings, "file written by astrom3 embed")->required();
  cmd->add_option("--out,-o", args.out, "output directory")->required();
  cmd->add_option("--modality", args.modality, "space: photometry, spectra, metadata or fused");
  cmd->add_option("--cluster-class", args.cluster_class, "split this class into sub-clusters");
  cmd->add_option("--clusters", args.clusters, "number of sub-clusters")->check(CLI::Range(2, 50));
  cmd->add_option("--cluster-method", args.cluster_method,
                  "spectral (k-NN graph, the default) or kmeans (spherical)")
      ->check(CLI::IsMember({"spectral", "kmeans"}));
  cmd->add_option("--neighbours", args.neighbours, "k of the spectral method's k-NN graph")
      ->check(positive());
  cmd->add_option("--data", args.data, "survey file: report each cluster's mean catalogue values");
  cmd->add_option("--seed", args.seed, "clustering seed");
  return cmd;
}

int run_map(const MapArgs& args, const GlobalFlags& global) {
  at::set_num_threads(worker_threads(global.threads.value_or(0)));
  const auto table = eval::read_embedding_file(args.embeddings, {args.modality});
  const auto& space = table.of(args.modality);
  const auto present = table.present_in(args.modality).contiguous();
  std::vector<std::int64_t> rows;
  for (std::int64_t i = 0; i < present.size(0); ++i) {
    if (present.data_ptr<bool>()[i]) rows.push_back(i);
  }
  if (rows.size() < 2) throw DataError(args.embeddings + ": fewer than 2 objects to map");
  // The class to sub-cluster is checked before anything is written.
  std::vector<std::int64_t> members;
  if (!args.cluster_class.empty()) {
    const auto& names = table.info.class_names;
    const auto cls = std::find(names.begin(), names.end(), args.cluster_class) - names.begin();
    if (cls == static_cast<std::ptrdiff_t>(names.size())) {
      throw ConfigError("map --cluster-class: '" + args.cluster_class + "' is not a class of " +
                        args.embeddings);
    }
    for (auto i : rows) {
      if (table.labels[i] == cls) members.push_back(i);
    }
    if (static_cast<int>(members.size()) < args.clusters) {
      throw DataError("map --cluster-class " + args.cluster_class + ": " +
                      std::to_string(members.size()) + " objects with " + args.modality +
                      " embeddings in " + args.embeddings + ", fewer than --clusters " +
                      std::to_string(args.clusters));
    }
  }
  const fs::path out(args.out);
  fs::create_directories(out);

  const auto coords = eval::pca_2d(space.index_select(0, torch::tensor(rows))).contiguous();
  const float* xy = coords.data_ptr<float>();
  std::string csv = "id,label,split,x,y\n";
  io::ScatterPlot plot;
  plot.title = "PCA of " + args.modality + " embeddings";
  plot.group_names = table.info.class_names;
  for (std::size_t j = 0; j < rows.size(); ++j) {
    const auto i = rows[j];
    csv += ingest::csv_field(table.ids[i]) + "," + table.label_name(i) + "," + table.split[i] +
           "," + fixed(xy[2 * j]) + "," + fixed(xy[2 * j + 1]) + "\n";
    plot.x.push_back(xy[2 * j]);
    plot.y.push_back(xy[2 * j + 1]);
    plot.group.push_back(table.labels[i]);
  }
  write_text_file_atomic(out / "map.csv", csv);
  io::write_scatter_png(out / "map.png", plot);
  spdlog::info("[map] {} objects: wrote {} and {}", rows.size(), (out / "map.csv").string(),
               (out / "map.png").string());

  if (args.cluster_class.empty()) return 0;
  const auto sub = space.index_select(0, torch::tensor(members));
  const auto k = static_cast<std::int64_t>(args.clusters);
  eval::SpectralOptions spectral;
  spectral.neighbours = args.neighbours;
  const auto clustering = args.cluster_method == "kmeans"
                              ? eval::spherical_kmeans(sub, k, args.seed)
                              : eval::spectral_clustering(sub, k, args.seed, spectral);
  std::string members_csv = "id,label,split,cluster,x,y\n";
  const auto sub_xy = eval::pca_2d(sub).contiguous();
  io::ScatterPlot cplot;
  cplot.title = args.cluster_class + " sub-clusters";
  for (std::int64_t g = 0; g < k; ++g) cplot.group_names.push_back("cluster " + std::to_string(g));
  for (std::size_t j = 0; j < members.size(); ++j) {
    const auto i = members[j];
    const float x = sub_xy.data_ptr<float>()[2 * j], y = sub_xy.data_ptr<float>()[2 * j + 1];
    members_csv += ingest::csv_field(table.ids[i]) + "," + table.label_name(i) + "," +
                   table.split[i] + "," + std::to_string(clustering.assignment[j]) + "," +
                   fixed(x) + "," + fixed(y) + "\n";
    cplot.x.push_back(x);
    cplot.y.push_back(y);
    cplot.group.push_back(static_cast<int>(clustering.assignment[j]));
  }
  write_text_file_atomic(out / "clusters.csv", members_csv);
  io::write_scatter_png(out / "clusters.png", cplot);
  std::vector<std::int64_t> sizes(k, 0);
  for (auto a : clustering.assignment) ++sizes[a];
  std::cout << args.cluster_class << ": " << members.size() << " objects in " << k << " "
            << args.cluster_method << " clusters of sizes";
  for (auto s : sizes) std::cout << " " << s;
  std::cout << "\n";
  if (!args.data.empty()) {
    std::string summary;
    summarise_clusters(args.data, table, members, clustering.assignment, k, summary);
    write_text_file_atomic(out / "cluster_summary.csv", summary);
  }
  spdlog::info("[map] wrote {} and {}", (out / "clusters.csv").string(),
               (out / "clusters.png").string());
  return 0;
}

}  // namespace astrom3::cli

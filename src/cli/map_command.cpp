#include "cli/map_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/data/survey_io.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/embedding_map.h"
#include "astrom3/io/scatter_png.h"
#include "cli/validators.h"

namespace astrom3::cli {
namespace fs = std::filesystem;
namespace {

// The scatter plot of mapped rows: coloured by class, or by `cluster` [rows] when given.
io::ScatterPlot scatter(const eval::EmbeddingTable& table, const std::vector<std::int64_t>& rows,
                        const torch::Tensor& xy, const std::vector<std::int64_t>* cluster) {
  io::ScatterPlot plot;
  const float* p = xy.data_ptr<float>();
  for (std::size_t j = 0; j < rows.size(); ++j) {
    plot.x.push_back(p[2 * j]);
    plot.y.push_back(p[2 * j + 1]);
    plot.group.push_back(static_cast<int>(cluster ? (*cluster)[j] : table.labels[rows[j]]));
  }
  return plot;
}

void write_csv(const fs::path& path, const eval::EmbeddingTable& table,
               const std::vector<std::int64_t>& rows, const torch::Tensor& xy,
               const std::vector<std::int64_t>* cluster = nullptr) {
  std::ostringstream csv;
  eval::write_map_csv(csv, table, rows, xy, cluster);
  write_text_file_atomic(path, csv.str());
}

// Rows of the class to split among `rows`, checked against the cluster count before anything
// is written.
std::vector<std::int64_t> class_members(const config::MapCommandOptions& o,
                                        const std::string& embeddings,
                                        const eval::EmbeddingTable& table,
                                        const std::vector<std::int64_t>& rows) {
  const auto& names = table.info.class_names;
  const auto cls = std::find(names.begin(), names.end(), o.cluster_class) - names.begin();
  if (cls == static_cast<std::ptrdiff_t>(names.size())) {
    throw ConfigError("map.cluster_class (--cluster-class): '" + o.cluster_class +
                      "' is not a class of " + embeddings);
  }
  std::vector<std::int64_t> members;
  for (auto i : rows) {
    if (table.labels[i] == cls) members.push_back(i);
  }
  if (static_cast<std::int64_t>(members.size()) < o.clusters) {
    throw DataError("map --cluster-class " + o.cluster_class + ": " +
                    std::to_string(members.size()) + " objects with " + o.modality +
                    " embeddings in " + embeddings + ", fewer than --clusters " +
                    std::to_string(o.clusters));
  }
  return members;
}

}  // namespace

CLI::App* add_map_command(CLI::App& app, MapArgs& args) {
  auto* cmd =
      app.add_subcommand("map", "2-D map of an embedding file (PCA) and sub-clusters of a class");
  cmd->add_option("--embeddings,-e", args.embeddings, "file written by astrom3 embed (required)");
  cmd->add_option("--out,-o", args.out, "output directory (required)");
  cmd->add_option("--modality", args.modality,
                  "space: photometry, spectra, metadata or fused (map.modality)");
  cmd->add_option("--cluster-class", args.cluster_class,
                  "split this class into sub-clusters (map.cluster_class)");
  cmd->add_option("--clusters", args.clusters, "number of sub-clusters (map.clusters)")
      ->check(CLI::Range(2, 50));
  cmd->add_option("--cluster-method", args.cluster_method,
                  "spectral (k-NN graph, the default) or kmeans (spherical) (map.cluster_method)")
      ->check(CLI::IsMember({"spectral", "kmeans"}));
  cmd->add_option("--neighbours", args.neighbours,
                  "k of the spectral method's k-NN graph (map.neighbours)")
      ->check(positive());
  cmd->add_option("--data", args.data, "survey file: report each cluster's mean catalogue values");
  cmd->add_option("--seed", args.seed, "clustering seed (map.seed)");
  add_config_flags(*cmd, args.config);
  return cmd;
}

// Splits `members` (rows of the table) into sub-clusters; writes clusters.csv, clusters.png and,
// with --data, cluster_summary.csv, and prints the sizes and the separation.
void cluster_class(const MapArgs& args, const config::MapCommandOptions& o,
                   const eval::EmbeddingTable& table, const std::vector<std::int64_t>& members,
                   const fs::path& out) {
  const auto sub = table.of(o.modality).index_select(0, torch::tensor(members));
  const auto k = o.clusters;
  eval::SpectralOptions spectral;
  spectral.neighbours = o.neighbours;
  const bool kmeans = o.cluster_method == eval::ClusterMethod::kKMeans;
  const auto clustering = kmeans ? eval::spherical_kmeans(sub, k, o.seed)
                                 : eval::spectral_clustering(sub, k, o.seed, spectral);
  const auto sub_xy = eval::pca_2d(sub).contiguous();
  write_csv(out / "clusters.csv", table, members, sub_xy, &clustering.assignment);
  auto cplot = scatter(table, members, sub_xy, &clustering.assignment);
  cplot.title = o.cluster_class + " sub-clusters";
  for (std::int64_t g = 0; g < k; ++g) cplot.group_names.push_back("cluster " + std::to_string(g));
  io::write_scatter_png(out / "clusters.png", cplot);
  std::cout << o.cluster_class << ": " << members.size() << " objects in " << k << " "
            << name_of(o.cluster_method, eval::cluster_method_names()) << " clusters of sizes";
  for (std::int64_t g = 0; g < k; ++g) {
    std::cout << " " << std::count(clustering.assignment.begin(), clustering.assignment.end(), g);
  }
  std::cout << "\n";
  if (!args.data.empty()) {
    std::vector<std::string> ids;
    for (auto i : members) ids.push_back(table.ids[i]);
    const auto summary =
        eval::summarise_clusters(data::read_survey(args.data), ids, clustering.assignment, k);
    eval::write_cluster_separation(std::cout, summary);
    std::ostringstream csv;
    eval::write_cluster_summary_csv(csv, summary);
    write_text_file_atomic(out / "cluster_summary.csv", csv.str());
  }
  spdlog::info("[map] wrote {} and {}", (out / "clusters.csv").string(),
               (out / "clusters.png").string());
}

int run_map(const MapArgs& args, const GlobalFlags& global) {
  TypedFlags typed;
  add_typed(typed, "map.modality", args.modality);
  add_typed(typed, "map.cluster_class", args.cluster_class);
  add_typed(typed, "map.clusters", args.clusters);
  add_typed(typed, "map.cluster_method", args.cluster_method);
  add_typed(typed, "map.neighbours", args.neighbours);
  add_typed(typed, "map.seed", args.seed);
  const auto resolved = resolve_or_dump(args.config, global, std::move(typed));
  if (!resolved) return 0;
  const auto& config = *resolved;
  require_flag(args.embeddings, "map", "--embeddings");
  require_flag(args.out, "map", "--out");
  note_cpu_only(config, "map");
  const auto& o = config.map;
  const auto table = eval::read_embedding_file(args.embeddings, {o.modality});
  const auto& space = table.of(o.modality);
  const auto present = table.present_in(o.modality).contiguous();
  std::vector<std::int64_t> rows;
  for (std::int64_t i = 0; i < present.size(0); ++i) {
    if (present.data_ptr<bool>()[i]) rows.push_back(i);
  }
  if (rows.size() < 2) throw DataError(args.embeddings + ": fewer than 2 objects to map");
  const auto members = o.cluster_class.empty() ? std::vector<std::int64_t>()
                                               : class_members(o, args.embeddings, table, rows);
  const fs::path out(args.out);
  fs::create_directories(out);

  const auto xy = eval::pca_2d(space.index_select(0, torch::tensor(rows))).contiguous();
  write_csv(out / "map.csv", table, rows, xy);
  auto plot = scatter(table, rows, xy, nullptr);
  plot.title = "PCA of " + o.modality + " embeddings";
  plot.group_names = table.info.class_names;
  io::write_scatter_png(out / "map.png", plot);
  spdlog::info("[map] {} objects: wrote {} and {}", rows.size(), (out / "map.csv").string(),
               (out / "map.png").string());
  if (!o.cluster_class.empty()) cluster_class(args, o, table, members, out);
  return 0;
}

}  // namespace astrom3::cli

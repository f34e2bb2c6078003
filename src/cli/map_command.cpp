#include "cli/map_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/device.h"
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

// Rows of `cls` among `rows`, checked against --clusters before anything is written.
std::vector<std::int64_t> class_members(const MapArgs& args, const eval::EmbeddingTable& table,
                                        const std::vector<std::int64_t>& rows) {
  const auto& names = table.info.class_names;
  const auto cls = std::find(names.begin(), names.end(), args.cluster_class) - names.begin();
  if (cls == static_cast<std::ptrdiff_t>(names.size())) {
    throw ConfigError("map --cluster-class: '" + args.cluster_class + "' is not a class of " +
                      args.embeddings);
  }
  std::vector<std::int64_t> members;
  for (auto i : rows) {
    if (table.labels[i] == cls) members.push_back(i);
  }
  if (static_cast<int>(members.size()) < args.clusters) {
    throw DataError("map --cluster-class " + args.cluster_class + ": " +
                    std::to_string(members.size()) + " objects with " + args.modality +
                    " embeddings in " + args.embeddings + ", fewer than --clusters " +
                    std::to_string(args.clusters));
  }
  return members;
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
  const auto members =
      args.cluster_class.empty() ? std::vector<std::int64_t>() : class_members(args, table, rows);
  const fs::path out(args.out);
  fs::create_directories(out);

  const auto xy = eval::pca_2d(space.index_select(0, torch::tensor(rows))).contiguous();
  write_csv(out / "map.csv", table, rows, xy);
  auto plot = scatter(table, rows, xy, nullptr);
  plot.title = "PCA of " + args.modality + " embeddings";
  plot.group_names = table.info.class_names;
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
  const auto sub_xy = eval::pca_2d(sub).contiguous();
  write_csv(out / "clusters.csv", table, members, sub_xy, &clustering.assignment);
  auto cplot = scatter(table, members, sub_xy, &clustering.assignment);
  cplot.title = args.cluster_class + " sub-clusters";
  for (std::int64_t g = 0; g < k; ++g) cplot.group_names.push_back("cluster " + std::to_string(g));
  io::write_scatter_png(out / "clusters.png", cplot);
  std::cout << args.cluster_class << ": " << members.size() << " objects in " << k << " "
            << args.cluster_method << " clusters of sizes";
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
  return 0;
}

}  // namespace astrom3::cli

#include "cli/search_command.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/eval/embedding_file.h"
#include "astrom3/eval/neighbour_report.h"
#include "astrom3/eval/neighbour_search.h"
#include "cli/validators.h"

namespace astrom3::cli {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One id per line; blank lines and lines starting with '#' are skipped.
std::vector<std::string> read_id_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError(path + ": cannot open the query list");
  std::vector<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line.front() != '#') ids.push_back(line);
  }
  if (ids.empty()) throw DataError(path + ": no ids in the query list");
  return ids;
}

}  // namespace

CLI::App* add_search_command(CLI::App& app, SearchArgs& args) {
  auto* cmd = app.add_subcommand("search", "Nearest neighbours in an embedding file (cosine)");
  cmd->add_option("--embeddings,-e", args.embeddings, "file written by astrom3 embed (required)");
  auto* q = cmd->add_option("--query", args.query, "object id (repeatable)");
  auto* qs = cmd->add_option("--queries", args.queries, "file with one object id per line");
  auto* all = cmd->add_flag("--all", args.all, "every object with the query modality");
  q->excludes(qs)->excludes(all);
  qs->excludes(all);
  cmd->add_option("--modality", args.modality,
                  "space of the queries: photometry, spectra, metadata or fused (search.modality)");
  cmd->add_option("--against", args.against,
                  "space of the candidates (default: --modality); another modality searches "
                  "across modalities (search.against)");
  cmd->add_option("--contrast", args.contrast,
                  "also give each neighbour's similarity in this modality and list the least "
                  "alike first (search.contrast)");
  cmd->add_option("--candidates", args.candidates,
                  "candidates from: any, train, val or test (search.candidates)")
      ->check(CLI::IsMember({"any", "train", "val", "test"}));
  cmd->add_option("--k", args.k, "neighbours per query (search.k)")->check(positive());
  add_index_flags(cmd, args.index);
  cmd->add_option("--out,-o", args.out, "output .csv or .h5 (required with --all)");
  add_config_flags(*cmd, args.config);
  return cmd;
}

namespace {

// The table rows of the queries: every object with the query space (--all), or the named ones,
// each of which must have it.
std::vector<std::int64_t> query_rows(const SearchArgs& args, const eval::EmbeddingTable& table,
                                     const std::string& space) {
  const auto present = table.present_in(space).contiguous();
  const bool* has = present.data_ptr<bool>();
  std::vector<std::int64_t> rows;
  if (args.all) {
    for (std::int64_t i = 0; i < present.size(0); ++i) {
      if (has[i]) rows.push_back(i);
    }
    return rows;
  }
  for (const auto& id : args.queries.empty() ? args.query : read_id_list(args.queries)) {
    const auto row = table.row_of(id);
    if (!has[row]) {
      throw DataError(args.embeddings + ": object '" + id + "' has no " + space + " embedding");
    }
    rows.push_back(row);
  }
  return rows;
}

void check_search_args(const SearchArgs& args) {
  require_flag(args.embeddings, "search", "--embeddings");
  if (args.query.empty() && args.queries.empty() && !args.all) {
    throw ConfigError("search: give --query ID, --queries FILE or --all");
  }
  if (args.all && args.out.empty()) throw ConfigError("search --all needs --out FILE.csv|.h5");
  if (!args.out.empty() && !ends_with(args.out, ".csv") && !ends_with(args.out, ".h5")) {
    throw ConfigError("search: --out must end in .csv or .h5");
  }
  if (!args.out.empty()) prepare_output_location(args.out);
}

std::optional<config::RunConfig> search_config(const SearchArgs& args, const GlobalFlags& global) {
  TypedFlags typed;
  add_typed(typed, "search.modality", args.modality);
  add_typed(typed, "search.against", args.against);
  add_typed(typed, "search.contrast", args.contrast);
  add_typed(typed, "search.candidates", args.candidates);
  add_typed(typed, "search.k", args.k);
  add_typed(typed, args.index);
  return resolve_or_dump(args.config, global, std::move(typed));
}

}  // namespace

int run_search(const SearchArgs& args, const GlobalFlags& global) {
  const auto resolved = search_config(args, global);
  if (!resolved) return 0;  // --dump-config
  const auto& config = *resolved;
  check_search_args(args);
  note_cpu_only(config, "search");
  const auto& o = config.search;
  eval::NeighbourReport report;
  report.modality = o.modality;
  report.against = o.against.empty() ? o.modality : o.against;
  report.contrast = o.contrast;
  std::vector<std::string> spaces = {report.modality, report.against};
  if (!o.contrast.empty()) spaces.push_back(o.contrast);
  const auto table = eval::read_embedding_file(args.embeddings, spaces);
  const auto& query_space = table.of(report.modality);
  report.query_rows = query_rows(args, table, report.modality);
  const auto& rows = report.query_rows;

  auto mask = table.present_in(report.against).clone();
  if (o.candidates != config::CandidateSplit::kAny) {
    mask = mask.logical_and(table.in_split(name_of(o.candidates, config::candidate_split_names())));
  }
  const auto row_tensor = torch::tensor(rows, torch::kInt64);
  // Within one space the query is its own best match: exclude it. Across spaces the object's
  // own other modality is a legitimate (and telling) result.
  const auto self =
      report.against == report.modality ? row_tensor : torch::full_like(row_tensor, -1);
  // --all over a fully present space: the space itself, not a copy of it.
  const auto queries = static_cast<std::int64_t>(rows.size()) == query_space.size(0)
                           ? query_space
                           : query_space.index_select(0, row_tensor);
  report.neighbours =
      eval::find_neighbours(queries, table.of(report.against), mask, self, o.k, config.index);
  if (!o.contrast.empty()) {
    report.contrast_similarity = eval::pair_similarity(
        table.of(o.contrast), table.present_in(o.contrast), row_tensor, report.neighbours.index);
  }

  if (ends_with(args.out, ".h5")) {
    eval::write_neighbours_h5(args.out, table, report);
  } else if (!args.out.empty()) {
    std::ostringstream text;
    eval::write_neighbours_csv(text, table, report);
    write_text_file_atomic(args.out, text.str());
  } else {
    eval::write_neighbours_csv(std::cout, table, report);
  }
  if (!args.out.empty()) {
    spdlog::info("[search] {} queries in {} against {}{}: wrote {}", rows.size(), report.modality,
                 report.against, o.contrast.empty() ? "" : " (contrast " + o.contrast + ")",
                 args.out);
  }
  return 0;
}

}  // namespace astrom3::cli

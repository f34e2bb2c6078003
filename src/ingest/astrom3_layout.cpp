#include "astrom3/ingest/astrom3_layout.h"

#include <nlohmann/json.hpp>

#include "astrom3/common/error.h"
#include "astrom3/data/schema.h"

namespace astrom3::ingest {

std::vector<std::string> split_csv_columns() {
  // Published order: mean_vmag, amplitude, period, phot_g_mean_mag, e_phot_g_mean_mag,
  // lksl_statistic, rfr_score, then phot_bp_mean_mag .. ruwe; l and b come after the ids.
  using data::kMetaCols;
  using data::kPhotoCols;
  std::vector<std::string> c = {kMetaCols[0], kPhotoCols[0], kPhotoCols[1], kMetaCols[1],
                                kMetaCols[2], kPhotoCols[2], kPhotoCols[3]};
  c.insert(c.end(), kMetaCols.begin() + 3, kMetaCols.end() - 2);
  c.insert(c.end(), {"id", "target", "name", "spec_filename", kMetaCols[32], kMetaCols[33]});
  return c;
}

std::string photometry_entry(const std::string& name) {
  return "vardb_files/" + name + ".dat";
}

std::filesystem::path split_csv_path(const std::string& subset, int seed, const std::string& part) {
  return std::filesystem::path("splits") / subset / std::to_string(seed) / (part + ".csv");
}

SplitInfo parse_split_info(const std::string& text, const std::string& source) {
  SplitInfo info;
  try {
    const auto j = nlohmann::json::parse(text);
    info.classes = j.at("classes").get<std::vector<std::string>>();
    info.meta_cols = j.at("meta_cols").get<std::vector<std::string>>();
    info.photo_cols = j.at("photo_cols").get<std::vector<std::string>>();
    info.all_cols = j.contains("all_cols") ? j.at("all_cols").get<std::vector<std::string>>()
                                           : std::vector<std::string>{};
    if (info.all_cols.empty()) {
      info.all_cols = info.photo_cols;
      info.all_cols.insert(info.all_cols.end(), info.meta_cols.begin(), info.meta_cols.end());
    }
    info.mean = j.at("mean").get<std::vector<double>>();
    info.std = j.at("std").get<std::vector<double>>();
    if (j.contains("generator")) info.generator = j.at("generator").get<std::string>();
    if (j.contains("synth_version")) {
      info.synth_version = std::to_string(j.at("synth_version").get<int>());
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(source + ": not a valid AstroM3 info.json: " + e.what());
  }
  if (info.mean.size() != info.all_cols.size() || info.std.size() != info.all_cols.size()) {
    throw DataError(source + ": mean and std must have one value per all_cols entry (" +
                    std::to_string(info.all_cols.size()) + ")");
  }
  return info;
}

std::string split_info_json(const SplitInfo& info) {
  nlohmann::json j;
  j["classes"] = info.classes;
  j["meta_cols"] = info.meta_cols;
  j["photo_cols"] = info.photo_cols;
  j["all_cols"] = info.all_cols;
  j["metadata_func"] = {{"abs",
                         {"mean_vmag", "phot_g_mean_mag", "phot_bp_mean_mag", "phot_rp_mean_mag",
                          "j_mag", "h_mag", "k_mag", "w1_mag", "w2_mag", "w3_mag", "w4_mag"}},
                        {"cos", {"l"}},
                        {"sin", {"b"}},
                        {"log", {"period"}}};
  j["mean"] = info.mean;
  j["std"] = info.std;
  if (!info.generator.empty()) j["generator"] = info.generator;
  if (!info.synth_version.empty()) j["synth_version"] = std::stoi(info.synth_version);
  return j.dump(2) + "\n";
}

void split_info_statistics(const SplitInfo& info, const std::string& source,
                           std::vector<double>& mean, std::vector<double>& std) {
  const auto columns = data::normalization_columns();
  mean.assign(columns.size(), 0.0);
  std.assign(columns.size(), 1.0);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    std::size_t k = 0;
    while (k < info.all_cols.size() && info.all_cols[k] != columns[c]) ++k;
    if (k == info.all_cols.size()) {
      throw DataError(source + ": all_cols lacks column '" + columns[c] + "'");
    }
    mean[c] = info.mean[k];
    std[c] = info.std[k];
  }
}

}  // namespace astrom3::ingest

#include "astrom3/ingest/catalog_import.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "astrom3/common/error.h"
#include "astrom3/common/parallel.h"
#include "astrom3/data/schema.h"
#include "astrom3/ingest/catalogue_row.h"
#include "astrom3/ingest/spectrum_files.h"
#include "astrom3/ingest/survey_assembly.h"
#include "astrom3/ingest/text_table.h"

namespace astrom3::ingest {
namespace {

namespace fs = std::filesystem;

// Where each id's inputs are: files and CSV rows.
struct Sources {
  std::map<std::string, fs::path> lightcurves, spectra;
  std::map<std::string, std::size_t> metadata_rows, label_rows;
};

std::map<std::string, fs::path> list_lightcurves(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw DataError(dir.string() + ": light-curve directory not found");
  std::map<std::string, fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".csv") continue;
    out.emplace(e.path().stem().string(), e.path());
  }
  return out;
}

std::map<std::string, fs::path> list_spectra(const fs::path& dir) {
  std::map<std::string, fs::path> out;
  if (dir.empty()) return out;
  if (!fs::is_directory(dir)) throw DataError(dir.string() + ": spectra directory not found");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::string id;
    if (!spectrum_file_id(p, id)) continue;
    auto [it, fresh] = out.emplace(id, p);
    if (!fresh) {
      throw DataError(p.string() + ": a second spectrum for object '" + id + "' (also " +
                      it->second.filename().string() + ")");
    }
  }
  return out;
}

// id -> row of a CSV keyed by `id`; a duplicated or empty id is an error.
std::map<std::string, std::size_t> index_by_id(const CsvTable& t) {
  const int id = t.require_column("id");
  std::map<std::string, std::size_t> out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& key = t.rows[r][id];
    if (key.empty()) throw DataError(t.where(r) + ": empty id");
    auto [it, fresh] = out.emplace(key, r);
    if (!fresh) {
      throw DataError(t.where(r) + ": id '" + key + "' appears twice (first at line " +
                      std::to_string(t.lines[it->second]) + ")");
    }
  }
  return out;
}

// The label vocabulary: `given` (--classes), else the paper's 10 classes when every label is
// one of them, else the sorted distinct labels. Labels mixing paper classes with others are most
// likely typos, so the switch away from the paper's classes is reported in `warnings`.
std::vector<std::string> label_vocabulary(const CsvTable* labels, int column,
                                          const std::vector<std::string>& given,
                                          std::vector<std::string>& warnings) {
  if (!given.empty()) return given;
  std::map<std::string, std::int64_t> counts;
  if (labels) {
    for (const auto& row : labels->rows) {
      if (!row[column].empty()) ++counts[row[column]];
    }
  }
  std::string others;
  bool any_paper = false;
  for (const auto& [label, n] : counts) {
    if (data::class_index(label) >= 0) {
      any_paper = true;
    } else {
      others += (others.empty() ? "'" : ", '") + label + "' (" + std::to_string(n) +
                (n == 1 ? " object)" : " objects)");
    }
  }
  if (others.empty()) return {data::kClassNames.begin(), data::kClassNames.end()};
  if (any_paper) {
    warnings.push_back(
        "labels " + others + " are not among the paper's 10 classes, so the vocabulary is the " +
        std::to_string(counts.size()) +
        " distinct labels in sorted order and checkpoints trained on the paper's classes do not "
        "fit this survey; correct them if they are typos, or pass --classes to fix the "
        "vocabulary (objects with other labels are then rejected)");
  }
  std::vector<std::string> vocabulary;
  for (const auto& [label, n] : counts) vocabulary.push_back(label);
  return vocabulary;
}

// The user's splits file: set name -> (train, val, test) ids.
struct UserSplits {
  std::map<std::string, std::array<std::vector<std::string>, 3>> sets;
};

// What became of an id by the time splits are built.
enum class Fate { kRejected, kUnlabelled, kLabelled };

UserSplits read_user_splits(const fs::path& path, const std::map<std::string, Fate>& known,
                            ImportReport& report) {
  const CsvTable t = read_csv_file(path);
  const int id = t.require_column("id"), split = t.require_column("split");
  const int set_col = t.column("set");
  UserSplits out;
  std::map<std::pair<std::string, std::string>, std::int64_t> seen;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string set = set_col >= 0 && !row[set_col].empty() ? row[set_col] : "user";
    int part = -1;
    if (row[split] == "train") part = 0;
    if (row[split] == "val" || row[split] == "validation") part = 1;
    if (row[split] == "test") part = 2;
    if (part < 0) {
      throw DataError(t.where(r) + ": split '" + row[split] + "' is not train, val or test");
    }
    if (!seen.emplace(std::make_pair(set, row[id]), t.lines[r]).second) {
      throw DataError(t.where(r) + ": id '" + row[id] + "' is listed twice in split set " + set);
    }
    auto k = known.find(row[id]);
    if (k == known.end()) {
      report.warnings.push_back(t.where(r) + ": id '" + row[id] + "' has no data; skipped");
      continue;
    }
    if (k->second == Fate::kRejected) continue;  // listed in the report's rejections
    if (k->second == Fate::kUnlabelled) {
      report.warnings.push_back(t.where(r) + ": id '" + row[id] +
                                "' has no label; it stays in the unlabelled pool");
      continue;
    }
    out.sets[set][part].push_back(row[id]);
  }
  return out;
}

}  // namespace

ImportResult import_catalog(const CatalogImportOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  ImportResult result;
  ImportReport& report = result.report;
  report.source = "catalog";

  Sources src;
  src.lightcurves = list_lightcurves(options.lightcurves);
  src.spectra = list_spectra(options.spectra);
  const CsvTable meta = read_csv_file(options.metadata);
  src.metadata_rows = index_by_id(meta);
  const auto columns =
      find_catalogue_columns(meta, options.missing_columns, options.allow_missing_columns);
  for (const auto& name : options.missing_columns) {
    const auto norm = data::normalization_columns();
    if (std::find(norm.begin(), norm.end(), name) == norm.end()) {
      throw ConfigError("--missing-columns: '" + name + "' is not one of the 38 catalogue columns");
    }
  }
  for (int k = 0; k < data::kNumNormCols; ++k) {
    const bool photo = k < data::kNumPhotoCols;
    if ((photo ? columns.photo[k] : columns.meta[k - data::kNumPhotoCols]) < 0) {
      report.warnings.push_back(
          std::string("column ") +
          (photo ? data::kPhotoCols[k] : data::kMetaCols[k - data::kNumPhotoCols]) +
          " is absent from the metadata CSV: every value of it is missing");
    }
  }

  CsvTable labels;
  int label_col = -1;
  if (!options.labels.empty()) {
    labels = read_csv_file(options.labels);
    src.label_rows = index_by_id(labels);
    label_col = labels.require_column("label");
  }
  const auto classes = label_vocabulary(options.labels.empty() ? nullptr : &labels, label_col,
                                        options.classes, report.warnings);

  std::vector<std::string> ids;
  for (const auto& [id, p] : src.lightcurves) ids.push_back(id);
  for (const auto& [id, p] : src.spectra) ids.push_back(id);
  for (const auto& [id, r] : src.metadata_rows) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (const auto& [id, r] : src.label_rows) {
    if (!std::binary_search(ids.begin(), ids.end(), id)) {
      ++report.seen;
      report.rejected.push_back({id, labels.where(r) + ": label for an object without a light "
                                                       "curve, spectrum or metadata row"});
    }
  }
  spdlog::info("[prepare] {} objects: {} light curves, {} spectra, {} metadata rows, {} labels",
               ids.size(), src.lightcurves.size(), src.spectra.size(), src.metadata_rows.size(),
               src.label_rows.size());

  std::vector<ImportedObject> objects(ids.size());
  std::vector<std::map<std::string, std::int64_t>> missing(std::max(1, options.threads));
  parallel_for(static_cast<std::int64_t>(ids.size()), options.threads, [&](int w, std::int64_t i) {
    ImportedObject& o = objects[i];
    o.id = ids[i];
    try {
      if (auto it = src.label_rows.find(o.id); it != src.label_rows.end()) {
        const auto& name = labels.rows[it->second][label_col];
        if (!name.empty()) {
          const auto k = std::find(classes.begin(), classes.end(), name);
          if (k == classes.end()) {
            throw DataError(labels.where(it->second) + ": unknown class '" + name + "'");
          }
          o.label = static_cast<std::int32_t>(k - classes.begin());
        }
      }
      if (auto it = src.metadata_rows.find(o.id); it != src.metadata_rows.end()) {
        o.catalogue = read_catalogue_row(meta, it->second, columns, missing[w]);
        if (!o.catalogue.meta_present) {
          o.absent_reasons.push_back("metadata: every catalogue cell empty at " +
                                     meta.where(it->second));
        }
      } else {
        o.catalogue.photo.fill(std::numeric_limits<double>::quiet_NaN());
        o.absent_reasons.push_back("metadata: no row in " + options.metadata.string());
      }
      if (auto it = src.lightcurves.find(o.id); it != src.lightcurves.end()) {
        o.lightcurve =
            parse_lightcurve_csv(read_file_bytes(it->second), it->second.string(), options.band);
      } else {
        o.absent_reasons.push_back("photometry: no " + o.id + ".csv in " +
                                   options.lightcurves.string());
      }
      if (auto it = src.spectra.find(o.id); it != src.spectra.end()) {
        o.spectrum = read_spectrum_file(it->second);
      } else if (!options.spectra.empty()) {
        o.absent_reasons.push_back("spectra: no file for this id in " + options.spectra.string());
      } else {
        o.absent_reasons.push_back("spectra: no --spectra directory");
      }
    } catch (const DataError& e) {
      o.rejected = e.what();
    }
  });
  for (const auto& m : missing) {
    for (const auto& [column, count] : m) report.missing_values[column] += count;
  }

  std::map<std::string, Fate> usable;
  for (const auto& o : objects) {
    usable[o.id] = !o.rejected.empty() ? Fate::kRejected
                                       : (o.label >= 0 ? Fate::kLabelled : Fate::kUnlabelled);
  }
  std::unordered_map<std::string, std::int64_t> row_of;
  result.survey = assemble_survey(objects, classes, report, row_of);
  data::Survey& survey = result.survey;

  std::vector<std::string> unlabeled;
  for (std::int64_t r = 0; r < survey.size(); ++r) {
    if (survey.labels[r] < 0) unlabeled.push_back(survey.ids[r]);
  }
  if (!options.splits.empty()) {
    const auto user = read_user_splits(options.splits, usable, report);
    for (const auto& [name, parts] : user.sets) {
      auto set = make_split_set(survey, row_of, name, 0, parts[0], parts[1], parts[2], unlabeled);
      survey.split_sets.emplace(name, std::move(set));
    }
    if (survey.split_sets.empty()) {
      report.warnings.push_back(options.splits.string() + ": no labelled object in any split");
    }
  } else {
    survey.split_sets.emplace(data::split_set_name("full", static_cast<int>(options.split.seed)),
                              data::make_random_split_set(survey, options.split));
  }

  nlohmann::json opts = {{"lightcurves", fs::absolute(options.lightcurves).string()},
                         {"metadata", fs::absolute(options.metadata).string()},
                         {"band", options.band},
                         {"classes", classes}};
  if (!options.spectra.empty()) opts["spectra"] = fs::absolute(options.spectra).string();
  if (!options.labels.empty()) opts["labels"] = fs::absolute(options.labels).string();
  if (!options.splits.empty()) opts["splits"] = fs::absolute(options.splits).string();
  opts["split_seed"] = options.split.seed;
  opts["stratified"] = options.split.stratified;
  stamp_provenance(survey, "catalog", "user catalog", opts);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace astrom3::ingest

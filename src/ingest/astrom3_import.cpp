#include "astrom3/ingest/astrom3_import.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "astrom3/common/error.h"
#include "astrom3/common/parallel.h"
#include "astrom3/data/normalization.h"
#include "astrom3/data/schema.h"
#include "astrom3/ingest/astrom3_layout.h"
#include "astrom3/ingest/survey_assembly.h"
#include "astrom3/ingest/text_table.h"
#include "astrom3/ingest/zip_archive.h"

namespace astrom3::ingest {

const std::array<std::array<int, 3>, 10> kPaperFull42Counts = {{{206, 25, 24},
                                                                {2343, 272, 301},
                                                                {1571, 207, 198},
                                                                {4890, 597, 681},
                                                                {226, 29, 26},
                                                                {216, 30, 22},
                                                                {1454, 189, 196},
                                                                {1886, 231, 234},
                                                                {624, 93, 79},
                                                                {3647, 479, 464}}};

namespace {

namespace fs = std::filesystem;

// Parts 3 and 4 are astrom3 extensions without a class (target empty), each optional.
constexpr const char* kParts[] = {"train", "val", "test", "unlabeled", "unseen"};
constexpr int kNumParts = 5;

// One object as its split CSV rows describe it (first row seen wins; later rows must agree).
struct Listed {
  std::string id, target, name, spec_filename, where;
  CatalogueValues catalogue;
  std::string rejected;
};

// One splits/<subset>/<seed>/ directory.
struct SplitDir {
  std::string subset;
  int seed = 0;
  fs::path dir;
  std::vector<std::string> ids[kNumParts];  // train, val, test, unlabeled, unseen
  bool has_info = false;
  SplitInfo info;
};

std::vector<SplitDir> find_split_dirs(const fs::path& root) {
  const fs::path splits = root / "splits";
  if (!fs::is_directory(splits)) {
    throw DataError(root.string() +
                    ": no splits/ directory (expected splits/<subset>/<seed>/"
                    "{train,val,test}.csv; is this the AstroM3Dataset root?)");
  }
  std::vector<SplitDir> dirs;
  for (const auto& sub : fs::directory_iterator(splits)) {
    if (!sub.is_directory()) continue;
    for (const auto& seed_dir : fs::directory_iterator(sub.path())) {
      if (!seed_dir.is_directory()) continue;
      SplitDir d;
      d.subset = sub.path().filename().string();
      d.dir = seed_dir.path();
      const std::string seed = seed_dir.path().filename().string();
      double value = 0.0;
      if (parse_number(seed, value) != NumberParse::kOk || value != std::floor(value)) {
        throw DataError(d.dir.string() + ": split directories are splits/<subset>/<integer seed>");
      }
      d.seed = static_cast<int>(value);
      dirs.push_back(std::move(d));
    }
  }
  if (dirs.empty()) throw DataError(splits.string() + ": no <subset>/<seed> directories");
  std::sort(dirs.begin(), dirs.end(), [](const SplitDir& a, const SplitDir& b) {
    return std::tie(a.subset, a.seed) < std::tie(b.subset, b.seed);
  });
  return dirs;
}

// Reads every split CSV, filling `listed` (one entry per distinct id) and each directory's
// membership lists. Conflicting rows and ids listed twice in one split set are fatal.
class SplitReader {
 public:
  SplitReader(std::vector<Listed>& listed, ImportReport& report)
      : listed_(listed), report_(report) {}

  void read(SplitDir& d) {
    std::unordered_map<std::string, std::string> in_set;  // id -> where, within this set
    for (int part = 0; part < kNumParts; ++part) {
      const fs::path path = d.dir / (std::string(kParts[part]) + ".csv");
      if (!fs::exists(path)) {
        if (part >= 3) continue;
        throw DataError(path.string() +
                        ": missing (every split directory needs train.csv, "
                        "val.csv and test.csv)");
      }
      const CsvTable t = read_csv_file(path);
      const int id = t.require_column("id"), target = t.require_column("target");
      const int name = t.require_column("name"), spec = t.require_column("spec_filename");
      const auto columns = find_catalogue_columns(t, {}, false);
      for (std::size_t r = 0; r < t.rows.size(); ++r) {
        const auto& row = t.rows[r];
        if (row[id].empty()) {
          ++report_.seen;
          report_.rejected.push_back({t.where(r), "empty id"});
          continue;
        }
        auto [it, fresh] = in_set.emplace(row[id], t.where(r));
        if (!fresh) {
          throw DataError(t.where(r) + ": id '" + row[id] + "' is listed twice in split set " +
                          d.subset + "/" + std::to_string(d.seed) + " (first at " + it->second +
                          ")");
        }
        d.ids[part].push_back(row[id]);
        const std::string row_target = part >= 3 ? "" : row[target];
        const std::string no_target =
            part < 3 && row_target.empty() ? t.where(r) + ": empty target in a labelled split" : "";
        auto known = index_.find(row[id]);
        if (known == index_.end()) {
          index_.emplace(row[id], listed_.size());
          Listed l{row[id], row_target, row[name], row[spec], t.where(r), {}, ""};
          try {
            l.catalogue = read_catalogue_row(t, r, columns, report_.missing_values);
          } catch (const DataError& e) {
            l.rejected = e.what();
          }
          if (l.rejected.empty()) l.rejected = no_target;
          listed_.push_back(std::move(l));
          continue;
        }
        Listed& l = listed_[known->second];
        if (l.rejected.empty()) l.rejected = no_target;
        if (l.target.empty() && !row_target.empty()) l.target = row_target;
        const bool agree = (row_target.empty() || row_target == l.target) && row[name] == l.name &&
                           row[spec] == l.spec_filename;
        if (!agree) {
          throw DataError(t.where(r) + ": id '" + row[id] +
                          "' has a different target, name or spec_filename than at " + l.where);
        }
      }
    }
    const fs::path info = d.dir / "info.json";
    if (fs::exists(info)) {
      d.info = parse_split_info(read_file_bytes(info), info.string());
      d.has_info = true;
    }
  }

 private:
  std::vector<Listed>& listed_;
  ImportReport& report_;
  std::unordered_map<std::string, std::size_t> index_;
};

std::vector<std::string> class_vocabulary(const std::vector<SplitDir>& dirs, ImportReport& report) {
  std::vector<std::string> classes;
  std::string from;
  for (const auto& d : dirs) {
    if (!d.has_info) continue;
    auto sorted = d.info.classes;
    std::sort(sorted.begin(), sorted.end());
    if (classes.empty()) {
      classes = sorted;
      from = (d.dir / "info.json").string();
    } else if (sorted != classes) {
      throw DataError((d.dir / "info.json").string() + ": lists other classes than " + from);
    }
  }
  if (classes.empty()) {
    report.warnings.push_back("no info.json found: using the paper's 10 classes");
    classes.assign(data::kClassNames.begin(), data::kClassNames.end());
  }
  return classes;
}

// Spectrum files by file name, found anywhere under spectra/ (the published layout is
// spectra/<CLASS>/<file>; an earlier one was spectra/<split>/<CLASS>/<file>).
class SpectrumIndex {
 public:
  explicit SpectrumIndex(const fs::path& root) : root_(root / "spectra") {
    if (!fs::is_directory(root_)) return;
    for (const auto& e : fs::recursive_directory_iterator(root_)) {
      if (e.is_regular_file()) files_[e.path().filename().string()].push_back(e.path());
    }
    for (auto& [name, paths] : files_) std::sort(paths.begin(), paths.end());
  }
  bool exists() const { return fs::is_directory(root_); }

  /// The file for `name` (also tried with ".gz" added or removed), preferring one in a
  /// directory named after the class. Empty path if none.
  fs::path find(const std::string& name, const std::string& target) const {
    for (const std::string& candidate :
         {name, name + ".gz",
          name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0
              ? name.substr(0, name.size() - 3)
              : name}) {
      auto it = files_.find(candidate);
      if (it == files_.end()) continue;
      for (const auto& p : it->second) {
        if (p.parent_path().filename() == target) return p;
      }
      return it->second.front();
    }
    return {};
  }

 private:
  fs::path root_;
  std::unordered_map<std::string, std::vector<fs::path>> files_;
};

// Light curves from photometry.zip (one reader per worker thread) or vardb_files/.
class PhotometrySource {
 public:
  PhotometrySource(const fs::path& root, int workers) {
    zip_path_ = root / "photometry.zip";
    folder_ = root;
    if (fs::exists(zip_path_)) {
      for (int w = 0; w < workers; ++w) readers_.push_back(std::make_unique<ZipReader>(zip_path_));
      for (auto& name : readers_.front()->entry_names()) entries_.insert(std::move(name));
    } else if (!fs::is_directory(root / "vardb_files")) {
      throw DataError(root.string() + ": no photometry.zip and no vardb_files/ directory");
    }
  }
  std::string description() const {
    return readers_.empty() ? (folder_ / "vardb_files").string() : zip_path_.string();
  }
  bool has(const std::string& entry) const {
    return readers_.empty() ? fs::is_regular_file(folder_ / entry) : entries_.count(entry) > 0;
  }
  /// (text, source name for messages)
  std::string read(int worker, const std::string& entry) const {
    if (readers_.empty()) return read_file_bytes(folder_ / entry);
    return readers_[worker]->read(entry);
  }
  std::string source(const std::string& entry) const {
    return readers_.empty() ? (folder_ / entry).string() : zip_path_.string() + ":" + entry;
  }

 private:
  fs::path zip_path_, folder_;
  std::vector<std::unique_ptr<ZipReader>> readers_;
  std::unordered_set<std::string> entries_;
};

void load_object(const Listed& l, const std::vector<std::string>& classes,
                 const PhotometrySource& photometry, const SpectrumIndex& spectra, int worker,
                 bool hjd_float32, ImportedObject& o) {
  o.id = l.id;
  o.catalogue = l.catalogue;
  o.rejected = l.rejected;
  if (!o.rejected.empty()) return;
  if (!l.target.empty()) {
    const auto it = std::find(classes.begin(), classes.end(), l.target);
    if (it == classes.end()) {
      o.rejected = l.where + ": unknown class '" + l.target + "'";
      return;
    }
    o.label = static_cast<std::int32_t>(it - classes.begin());
  }
  try {
    const std::string entry = photometry_entry(l.name);
    if (l.name.empty()) {
      o.absent_reasons.push_back("photometry: empty name at " + l.where);
    } else if (!photometry.has(entry)) {
      o.absent_reasons.push_back("photometry: " + photometry.description() + " has no " + entry);
    } else {
      o.lightcurve = parse_asassn_lightcurve(photometry.read(worker, entry),
                                             photometry.source(entry), hjd_float32);
    }
    if (l.spec_filename.empty()) {
      o.absent_reasons.push_back("spectra: empty spec_filename at " + l.where);
    } else {
      const fs::path file = spectra.find(l.spec_filename, l.target);
      if (file.empty()) {
        o.absent_reasons.push_back("spectra: no file " + l.spec_filename + " under spectra/");
      } else {
        o.spectrum = read_lamost_fits(file).data;
      }
    }
    if (!o.catalogue.meta_present) {
      o.absent_reasons.push_back("metadata: every catalogue cell empty at " + l.where);
    }
  } catch (const DataError& e) {
    o.rejected = e.what();
  }
}

// Compares info.json's statistics with a fit on the imported train split.
void compare_normalization(const std::string& name, const data::NormalizationStats& published,
                           const data::NormalizationStats& fitted, ImportReport& report) {
  double worst = 0.0;
  std::size_t column = 0;
  for (std::size_t c = 0; c < published.mean.size(); ++c) {
    const double d = std::max(std::abs(published.mean[c] - fitted.mean[c]) / fitted.std[c],
                              std::abs(published.std[c] - fitted.std[c]) / fitted.std[c]);
    if (d > worst) {
      worst = d;
      column = c;
    }
  }
  if (worst > 1e-6) {
    report.warnings.push_back("split set " + name + ": info.json mean/std differ from a fit on " +
                              "the imported train split by up to " + format_number(worst) +
                              " std (column " + data::normalization_columns()[column] + ")");
  }
}

}  // namespace

std::vector<std::string> paper_count_mismatches(const data::Survey& survey,
                                                const ImportReport& report) {
  std::vector<std::string> out;
  auto expect = [&](const std::string& what, std::int64_t got, std::int64_t want) {
    if (got != want) {
      out.push_back(what + ": " + std::to_string(got) + ", published " + std::to_string(want));
    }
  };
  expect("objects", survey.size(), kPaperObjects);
  auto it = survey.split_sets.find("full_42");
  if (it == survey.split_sets.end()) {
    out.push_back("split set full_42 is missing");
    return out;
  }
  const std::vector<std::int64_t>* parts[] = {&it->second.train, &it->second.val, &it->second.test};
  const char* names[] = {"train", "val", "test"};
  const int totals[] = {17063, 2152, 2225};
  for (int p = 0; p < 3; ++p) {
    expect(std::string("full_42 ") + names[p], static_cast<std::int64_t>(parts[p]->size()),
           totals[p]);
    std::vector<std::int64_t> counts(survey.class_names.size(), 0);
    for (auto r : *parts[p]) counts[survey.labels[r]] += 1;
    for (int k = 0; k < data::kNumClasses; ++k) {
      const auto c =
          std::find(survey.class_names.begin(), survey.class_names.end(), data::kClassNames[k]);
      const std::int64_t got =
          c == survey.class_names.end() ? 0 : counts[c - survey.class_names.begin()];
      expect(std::string("full_42 ") + names[p] + " " + data::kClassNames[k], got,
             kPaperFull42Counts[k][p]);
    }
  }
  expect("objects imported with a modality absent",
         static_cast<std::int64_t>(report.partial.size()), 0);
  return out;
}

ImportResult import_astrom3_dataset(const AstroM3ImportOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path& root = options.root;
  if (!fs::is_directory(root)) throw DataError(root.string() + ": not a directory");
  ImportResult result;
  ImportReport& report = result.report;
  report.source = "astrom3";

  auto dirs = find_split_dirs(root);
  std::vector<Listed> listed;
  SplitReader reader(listed, report);
  for (auto& d : dirs) reader.read(d);
  const auto classes = class_vocabulary(dirs, report);
  std::sort(listed.begin(), listed.end(),
            [](const Listed& a, const Listed& b) { return a.id < b.id; });

  const int workers = std::max(1, options.threads);
  const PhotometrySource photometry(root, workers);
  const SpectrumIndex spectra(root);
  if (!spectra.exists())
    report.warnings.push_back("no spectra/ directory: no object has a spectrum");
  const auto since = [&t0] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  spdlog::info("[prepare] {} objects listed in {} split sets ({:.1f} s); light curves from {}",
               listed.size(), dirs.size(), since(), photometry.description());

  std::vector<ImportedObject> objects(listed.size());
  parallel_for(static_cast<std::int64_t>(listed.size()), workers, [&](int w, std::int64_t i) {
    load_object(listed[i], classes, photometry, spectra, w, options.hjd_float32, objects[i]);
  });
  spdlog::info("[prepare] read the light curves and spectra ({:.1f} s)", since());
  std::unordered_map<std::string, std::int64_t> row_of;
  result.survey = assemble_survey(objects, classes, report, row_of);
  data::Survey& survey = result.survey;

  bool full_dataset = false;
  bool synthetic = false;
  std::string synth_version;
  for (const auto& d : dirs) {
    data::SplitSet set = make_split_set(survey, row_of, d.subset, d.seed, d.ids[0], d.ids[1],
                                        d.ids[2], d.ids[3], d.ids[4]);
    const std::string name = data::split_set_name(d.subset, d.seed);
    if (d.has_info) {
      synthetic = synthetic || !d.info.generator.empty();
      if (!d.info.synth_version.empty()) synth_version = d.info.synth_version;
      if (!options.refit_normalization) {
        data::NormalizationStats published;
        split_info_statistics(d.info, (d.dir / "info.json").string(), published.mean,
                              published.std);
        for (auto& s : published.std) s = s > 0.0 ? s : 1.0;
        compare_normalization(name, published, set.normalization, report);
        set.normalization = std::move(published);
      }
    }
    if (name == "full_42") {
      full_dataset = d.ids[0].size() + d.ids[1].size() + d.ids[2].size() ==
                     static_cast<std::size_t>(kPaperObjects);
    }
    survey.split_sets.emplace(name, std::move(set));
  }

  if (full_dataset && !synthetic) {
    const auto mismatches = paper_count_mismatches(survey, report);
    if (!mismatches.empty()) {
      std::string text;
      for (const auto& m : mismatches) text += "\n  " + m;
      if (!options.allow_incomplete) {
        throw DataError(root.string() + ": the full_42 split lists the published " +
                        std::to_string(kPaperObjects) +
                        " objects but the import differs from the paper's counts:" + text +
                        "\n(pass --allow-incomplete to write the survey anyway)");
      }
      for (const auto& m : mismatches) report.warnings.push_back("paper counts: " + m);
    } else {
      spdlog::info(
          "[prepare] counts match the paper: 21,440 objects, full_42 17,063 / 2,152 / "
          "2,225, per class as published");
    }
  } else {
    spdlog::info("[prepare] not the complete published dataset{}: paper-count check skipped",
                 synthetic ? " (written by astrom3 synth)" : "");
  }

  nlohmann::json opts = {{"root", fs::absolute(root).string()},
                         {"hjd_float32", options.hjd_float32},
                         {"refit_normalization", options.refit_normalization}};
  stamp_provenance(survey, "astrom3", "MeriDK/AstroM3Dataset raw layout", opts);
  if (!synth_version.empty()) survey.provenance["synth_version"] = synth_version;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace astrom3::ingest

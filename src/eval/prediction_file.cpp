#include "astrom3/eval/prediction_file.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "astrom3/dist/shard.h"
#include "astrom3/ingest/text_table.h"
#include "astrom3/model/modality_encoder.h"
#include "data/hdf5_file.h"

namespace astrom3::eval {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "astrom3-predictions";
constexpr std::int64_t kFormatVersion = 2;  // 2: unknown-class columns

// The columns of a block of rows, as written to either format.
struct Columns {
  std::vector<std::string> ids, split, reason;
  std::vector<std::int32_t> label, predicted;
  std::vector<std::uint8_t> usable;
  std::vector<std::vector<std::uint8_t>> used;            // per classifier modality
  std::vector<float> probability, margin, probabilities;  // probabilities: [N, C] row-major
  std::vector<double> unknown_score;                      // NaN: none
  std::vector<std::uint8_t> unknown;
};

std::string csv_header(const PredictionFileInfo& info) {
  std::string h =
      "id,split,label,usable,reason,modalities,predicted,probability,margin,unknown_score,unknown";
  for (const auto& c : info.class_names) h += ",p_" + ingest::csv_field(c);
  return h + "\n";
}

}  // namespace

bool is_csv_output(const fs::path& path) {
  const auto ext = path.extension().string();
  if (ext == ".csv") return true;
  if (ext == ".h5" || ext == ".hdf5") return false;
  throw ConfigError(path.string() + ": the output must end in .csv, .h5 or .hdf5");
}

namespace detail {

// Writes blocks of rows to a CSV or HDF5 file as they come: memory follows the block, not the
// file. HDF5 columns are appendable datasets, created with the file's attributes up front.
class ColumnSink {
 public:
  ColumnSink(const fs::path& path, const PredictionFileInfo& info, bool csv)
      : path_(path), info_(info), csv_(csv) {
    if (csv_) {
      csv_out_.open(path, std::ios::binary);
      if (!csv_out_) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
      csv_out_ << csv_header(info);
      return;
    }
    std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
    using Type = data::h5::Location::Type;
    h5_ = data::h5::Location::create_file(path.string());
    auto& f = h5_;
    f.set_attr("format", kFormat);
    f.set_attr("format_version", kFormatVersion);
    f.set_attr("checkpoint", info.checkpoint);
    f.set_attr("data", info.data);
    f.set_attr("split_set", info.split_set);
    f.set_attr("selection", info.selection);
    f.set_attr("class_names", nlohmann::json(info.class_names).dump());
    f.set_attr("modalities", nlohmann::json(info.modalities).dump());
    f.set_attr("temperature", info.temperature);
    f.set_attr("precision", info.precision);
    f.set_attr("unknown_score_method", info.unknown_score_method);
    f.set_attr("unknown_threshold", info.unknown_threshold);
    f.set_attr("shard_index", std::int64_t{info.shard_index});
    f.set_attr("shard_count", std::int64_t{info.shard_count});
    f.set_attr("catalogue_objects", info.catalogue_objects);
    for (const char* name : {"ids", "split", "reason"}) f.create_appendable(name, Type::text);
    for (const char* name : {"label", "predicted"}) f.create_appendable(name, Type::i32);
    for (const char* name : {"usable", "unknown"}) f.create_appendable(name, Type::u8);
    for (const char* name : {"probability", "margin"}) f.create_appendable(name, Type::f32);
    f.create_appendable("unknown_score", Type::f64);
    f.create_appendable("probabilities", Type::f32, info.class_names.size());
    auto used = f.create_group("modalities_used");
    for (const auto& m : info.modalities) used.create_appendable(m, Type::u8);
  }

  void write(const Columns& c) {
    if (csv_) {
      write_csv(c);
    } else {
      write_hdf5(c);
    }
    rows_ += static_cast<std::int64_t>(c.ids.size());
  }

  // Flushes and closes the file (Error when the disk refused a write).
  void close() {
    if (csv_) {
      csv_out_.close();
      // errno still holds the failed write's reason, e.g. "No space left on device".
      if (!csv_out_) throw Error("cannot write " + path_.string() + ": " + std::strerror(errno));
      return;
    }
    std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
    h5_.finish();
  }

  ~ColumnSink() {
    if (!csv_) close_hdf5();
  }

  std::int64_t rows() const { return rows_; }

 private:
  // CSV for people: class names instead of indices, empty cells where HDF5 holds -1 or 0.
  void write_csv(const Columns& c) {
    const auto& info = info_;
    const auto classes = info.class_names.size();
    std::string text;
    for (std::size_t i = 0; i < c.ids.size(); ++i) {
      const bool ok = c.usable[i] != 0;
      std::string used;
      for (std::size_t m = 0; m < info.modalities.size(); ++m) {
        if (c.used[m][i]) used += (used.empty() ? "" : "+") + info.modalities[m];
      }
      text += ingest::csv_field(c.ids[i]) + "," + c.split[i] + "," +
              (c.label[i] >= 0 ? ingest::csv_field(info.class_names[c.label[i]]) : "") + "," +
              (ok ? "1" : "0") + "," + ingest::csv_field(c.reason[i]) + "," + used + ",";
      if (ok) {
        text += ingest::csv_field(info.class_names[c.predicted[i]]) +
                fmt::format(",{:.6g},{:.6g}", c.probability[i], c.margin[i]);
        text += std::isnan(c.unknown_score[i])
                    ? std::string(",,")
                    : fmt::format(",{:.6g},{}", c.unknown_score[i], int{c.unknown[i]});
        for (std::size_t k = 0; k < classes; ++k) {
          text += fmt::format(",{:.6g}", c.probabilities[i * classes + k]);
        }
      } else {
        text += ",,,," + std::string(classes, ',');
      }
      text += "\n";
    }
    csv_out_ << text;
    if (!csv_out_) throw Error("cannot write " + path_.string() + ": " + std::strerror(errno));
  }

  void write_hdf5(const Columns& c) {
    const auto n = static_cast<std::uint64_t>(c.ids.size());
    if (n == 0) return;
    std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
    auto& f = h5_;
    f.append_rows("ids", c.ids);
    f.append_rows("split", c.split);
    f.append_rows("reason", c.reason);
    f.append_rows("label", c.label.data(), n);
    f.append_rows("predicted", c.predicted.data(), n);
    f.append_rows("usable", c.usable.data(), n);
    f.append_rows("unknown", c.unknown.data(), n);
    f.append_rows("probability", c.probability.data(), n);
    f.append_rows("margin", c.margin.data(), n);
    f.append_rows("unknown_score", c.unknown_score.data(), n);
    f.append_rows("probabilities", c.probabilities.data(), n);
    auto used = f.open_group("modalities_used");
    for (std::size_t m = 0; m < info_.modalities.size(); ++m) {
      used.append_rows(info_.modalities[m], c.used[m].data(), n);
    }
  }

  void close_hdf5() {
    std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
    h5_ = data::h5::Location();
  }

  fs::path path_;
  PredictionFileInfo info_;
  bool csv_;
  std::ofstream csv_out_;
  data::h5::Location h5_;
  std::int64_t rows_ = 0;
};

}  // namespace detail

struct PredictionWriter::State {
  State(const fs::path& path, const PredictionFileInfo& i)
      : output(path), info(i), sink(output.temp_path(), i, is_csv_output(path)) {}
  AtomicOutput output;
  PredictionFileInfo info;
  detail::ColumnSink sink;
  std::vector<data::Modality> modalities;  // the classifier's
};

PredictionWriter::PredictionWriter(const fs::path& path, const PredictionFileInfo& info) {
  // Refused before AtomicOutput prepares the output's directory.
  is_csv_output(path);
  state_ = std::make_unique<State>(path, info);
  state_->modalities = model::parse_modalities(info.modalities);
}

PredictionWriter::~PredictionWriter() = default;

void PredictionWriter::append(const ClassPredictions& p, const std::vector<std::string>& split,
                              const torch::Tensor& unknown_scores) {
  auto& s = *state_;
  const auto n = static_cast<std::int64_t>(p.ids.size());
  if (static_cast<std::int64_t>(split.size()) != n) {
    throw Error("predictions: " + std::to_string(split.size()) + " split names for " +
                std::to_string(n) + " objects");
  }
  if (n == 0) return;
  const auto classes = static_cast<std::int64_t>(s.info.class_names.size());
  const auto probs = p.probabilities.to(torch::kFloat32).contiguous();
  if (probs.size(1) != classes) {
    throw Error("predictions have " + std::to_string(probs.size(1)) + " classes, the file " +
                std::to_string(classes));
  }
  // Top two probabilities per object: the prediction and its margin.
  const auto top = probs.topk(std::min<std::int64_t>(2, classes), 1);
  const auto top_p = std::get<0>(top).contiguous();
  const auto top_i = std::get<1>(top).contiguous();
  const auto labels = p.labels.contiguous();
  const auto usable = p.usable.to(torch::kBool).contiguous();
  const auto present = p.present.to(torch::kBool).contiguous();
  const float* pr = probs.data_ptr<float>();
  const bool detector = !s.info.unknown_score_method.empty();
  if (detector && (!unknown_scores.defined() || unknown_scores.numel() != n)) {
    throw Error("predictions: the unknown-class scores do not match the objects");
  }
  const auto unknown =
      detector ? unknown_scores.to(torch::kCPU, torch::kFloat64).contiguous() : torch::Tensor();
  std::string none;  // "no photometry" / "no photometry, spectra or metadata"
  for (std::size_t m = 0; m < s.modalities.size(); ++m) {
    none += (m == 0 ? "no " : m + 1 == s.modalities.size() ? " or " : ", ");
    none += model::modality_name(s.modalities[m]);
  }
  Columns col;
  col.used.resize(s.modalities.size());
  for (std::int64_t i = 0; i < n; ++i) {
    const bool ok = usable.data_ptr<bool>()[i];
    const auto label = labels.data_ptr<std::int64_t>()[i];
    const std::int64_t predicted = ok ? top_i.data_ptr<std::int64_t>()[i * top_i.size(1)] : -1;
    const float best = ok ? top_p.data_ptr<float>()[i * top_p.size(1)] : 0.0f;
    const float second = ok && classes > 1 ? top_p.data_ptr<float>()[i * top_p.size(1) + 1] : 0.0f;
    for (std::size_t m = 0; m < s.modalities.size(); ++m) {
      const bool has = ok && present.data_ptr<bool>()[i * present.size(1) + s.modalities[m]];
      col.used[m].push_back(has ? 1 : 0);
    }
    col.ids.push_back(p.ids[i]);
    col.split.push_back(split[i]);
    col.reason.push_back(ok ? "" : none);
    col.label.push_back(static_cast<std::int32_t>(label));
    col.predicted.push_back(static_cast<std::int32_t>(predicted));
    col.usable.push_back(ok ? 1 : 0);
    col.probability.push_back(best);
    col.margin.push_back(ok ? best - second : 0.0f);
    col.probabilities.insert(col.probabilities.end(), pr + i * classes, pr + (i + 1) * classes);
    const double score =
        ok && detector ? unknown.data_ptr<double>()[i] : std::numeric_limits<double>::quiet_NaN();
    col.unknown_score.push_back(score);
    col.unknown.push_back(score > s.info.unknown_threshold ? 1 : 0);  // false for NaN
  }
  s.sink.write(col);
}

std::int64_t PredictionWriter::commit() {
  auto& s = *state_;
  s.sink.close();
  s.output.commit();
  return s.sink.rows();
}

namespace {

// Shards are read this many rows at a time when merged.
constexpr std::uint64_t kMergeBlock = 1 << 16;

[[noreturn]] void differs(const fs::path& path, const fs::path& first, const std::string& what) {
  throw DataError(path.string() + ": " + what + " differs from " + first.string() +
                  "; the shards come from different runs");
}

// A shard's attributes and its number of rows; the columns are read later, block by block.
struct ShardHeader {
  PredictionFileInfo info;
  std::uint64_t rows = 0;
};

ShardHeader read_shard_header(const fs::path& path) {
  ShardHeader h;
  std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
  auto f = data::h5::Location::open_file(path.string());
  if (!f.has_attr("format") || f.attr_string("format") != kFormat) {
    throw DataError(f.where() + ": not an astrom3 predictions file (made by `astrom3 predict`)");
  }
  if (f.attr_int("format_version") != kFormatVersion) {
    throw DataError(f.where() + ": predictions format version " +
                    std::to_string(f.attr_int("format_version")) + "; this astrom3 merges " +
                    std::to_string(kFormatVersion) + " (rerun predict --shard)");
  }
  auto& i = h.info;
  i.checkpoint = f.attr_string("checkpoint");
  i.data = f.attr_string("data");
  i.split_set = f.attr_string("split_set");
  // Absent from the first version-2 files: they merge only with each other.
  i.selection = f.has_attr("selection") ? f.attr_string("selection") : "";
  try {
    i.class_names =
        nlohmann::json::parse(f.attr_string("class_names")).get<std::vector<std::string>>();
    i.modalities =
        nlohmann::json::parse(f.attr_string("modalities")).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw DataError(f.where() + ": attribute class_names or modalities is not a JSON list");
  }
  i.temperature = f.attr_double("temperature");
  i.precision = f.has_attr("precision") ? f.attr_string("precision") : "fp32";
  i.unknown_score_method = f.attr_string("unknown_score_method");
  i.unknown_threshold = f.attr_double("unknown_threshold");
  i.shard_index = static_cast<int>(f.attr_int("shard_index"));
  i.shard_count = static_cast<int>(f.attr_int("shard_count"));
  i.catalogue_objects = f.attr_int("catalogue_objects");
  const auto ids = f.shape("ids");
  h.rows = ids.empty() ? 0 : ids[0];
  return h;
}

// Rows [first, first + count) of a shard's columns; DataError when a column is shorter.
Columns read_shard_rows(const fs::path& path, const PredictionFileInfo& info, std::uint64_t first,
                        std::uint64_t count) {
  Columns c;
  std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
  auto f = data::h5::Location::open_file(path.string());
  c.ids = f.read_string_rows("ids", first, count);
  c.split = f.read_string_rows("split", first, count);
  c.reason = f.read_string_rows("reason", first, count);
  c.label = f.read_i32_rows("label", first, count);
  c.predicted = f.read_i32_rows("predicted", first, count);
  c.usable = f.read_u8_rows("usable", first, count);
  c.probability = f.read_f32_rows("probability", first, count);
  c.margin = f.read_f32_rows("margin", first, count);
  c.unknown_score = f.read_f64_rows("unknown_score", first, count);
  c.unknown = f.read_u8_rows("unknown", first, count);
  c.probabilities = f.read_f32_rows("probabilities", first, count);
  if (c.probabilities.size() != count * info.class_names.size()) {
    throw DataError(f.where("probabilities") + ": expected " +
                    std::to_string(info.class_names.size()) + " columns");
  }
  const auto used = f.open_group("modalities_used");
  for (const auto& m : info.modalities) c.used.push_back(used.read_u8_rows(m, first, count));
  // Class indices name columns of class_names: one outside them would be read past its end.
  const auto classes = static_cast<std::int32_t>(info.class_names.size());
  for (std::size_t i = 0; i < c.ids.size(); ++i) {
    for (const auto& [column, value] :
         {std::make_pair("label", c.label[i]), std::make_pair("predicted", c.predicted[i])}) {
      if (value < -1 || value >= classes) {
        throw DataError(f.where(column) + ": row " + std::to_string(first + i) + " has class " +
                        std::to_string(value) + ", outside -1.." + std::to_string(classes - 1));
      }
    }
  }
  return c;
}

}  // namespace

std::int64_t merge_prediction_files(const std::vector<fs::path>& shards, const fs::path& out) {
  if (shards.empty()) throw ConfigError("predict --merge: no shard files given");
  const bool csv = is_csv_output(out);
  std::map<int, std::pair<fs::path, ShardHeader>> by_index;
  std::uint64_t rows = 0;
  for (const auto& path : shards) {
    if (is_csv_output(path)) {
      throw ConfigError(path.string() +
                        ": shards are HDF5 files (predict --shard writes them; the merged "
                        "--out may be CSV)");
    }
    std::error_code ignored;
    if (fs::equivalent(path, out, ignored)) {
      throw ConfigError("predict --merge: --out " + out.string() + " is one of the shards");
    }
    auto s = read_shard_header(path);
    if (!by_index.empty()) {
      const auto& [first, f] = by_index.begin()->second;
      const auto& a = f.info;
      const auto& b = s.info;
      if (a.checkpoint != b.checkpoint) differs(path, first, "checkpoint");
      if (a.data != b.data) differs(path, first, "the survey file");
      if (a.split_set != b.split_set) differs(path, first, "split_set");
      if (a.selection != b.selection) differs(path, first, "the selected split (--split)");
      if (a.class_names != b.class_names) differs(path, first, "class_names");
      if (a.modalities != b.modalities) differs(path, first, "modalities");
      if (a.temperature != b.temperature) differs(path, first, "temperature");
      if (a.precision != b.precision) differs(path, first, "precision (--precision)");
      const bool same_threshold =
          a.unknown_threshold == b.unknown_threshold ||
          (std::isnan(a.unknown_threshold) && std::isnan(b.unknown_threshold));
      if (a.unknown_score_method != b.unknown_score_method || !same_threshold) {
        differs(path, first, "the unknown-class detector");
      }
      if (a.shard_count != b.shard_count) differs(path, first, "shard_count");
      if (a.catalogue_objects != b.catalogue_objects) differs(path, first, "catalogue_objects");
    }
    const int index = s.info.shard_index;
    if (by_index.count(index)) {
      throw DataError(path.string() + ": shard " + std::to_string(index) + " is also given as " +
                      by_index.at(index).first.string());
    }
    rows += s.rows;
    by_index.emplace(index, std::make_pair(path, std::move(s)));
  }
  const auto& info = by_index.begin()->second.second.info;
  std::vector<int> given;
  for (const auto& entry : by_index) given.push_back(entry.first);
  dist::require_all_shards("predict --merge", given, info.shard_count);
  if (static_cast<std::int64_t>(rows) != info.catalogue_objects) {
    throw DataError("predict --merge: the shards hold " + std::to_string(rows) +
                    " objects, but their run predicted " + std::to_string(info.catalogue_objects));
  }
  PredictionFileInfo merged = info;
  merged.shard_index = 0;
  merged.shard_count = 1;
  prepare_output_location(out);
  AtomicOutput output(out);
  {
    detail::ColumnSink sink(output.temp_path(), merged, csv);
    for (const auto& [k, entry] : by_index) {
      const auto& [path, header] = entry;
      for (std::uint64_t first = 0; first < header.rows; first += kMergeBlock) {
        sink.write(read_shard_rows(path, info, first, std::min(kMergeBlock, header.rows - first)));
      }
    }
    sink.close();
  }
  output.commit();
  return static_cast<std::int64_t>(rows);
}

}  // namespace astrom3::eval

#include "astrom3/eval/embedding_file.h"

#include <torch/torch.h>

#include <algorithm>
#include <memory>

#include <nlohmann/json.hpp>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"
#include "data/hdf5_file.h"

namespace astrom3::eval {

struct EmbeddingFileWriter::State {
  explicit State(const std::filesystem::path& path) : output(path) {}
  AtomicOutput output;
  EmbeddingFileInfo info;
  data::h5::Location file, embeddings;
  std::int64_t written = 0;
  std::vector<std::string> ids, split;
  std::vector<std::int32_t> labels;
  std::vector<std::vector<std::uint8_t>> present;
};

EmbeddingFileWriter::EmbeddingFileWriter(const std::filesystem::path& path,
                                         const EmbeddingFileInfo& info)
    : state_(std::make_unique<State>(path)) {
  std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
  auto& s = *state_;
  s.info = info;
  s.present.resize(info.modalities.size());
  s.file = data::h5::Location::create_file(s.output.temp_path().string());
  s.file.set_attr("format", "astrom3-embeddings");
  s.file.set_attr("format_version", std::int64_t{1});
  s.file.set_attr("checkpoint", info.checkpoint);
  s.file.set_attr("split_set", info.split_set);
  s.file.set_attr("precision", info.precision);
  s.file.set_attr("modalities", nlohmann::json(info.modalities).dump());
  s.file.set_attr("class_names", nlohmann::json(info.class_names).dump());
  s.file.set_attr("shard_index", std::int64_t{info.shard_index});
  s.file.set_attr("shard_count", std::int64_t{info.shard_count});
  s.file.set_attr("catalogue_objects",
                  info.catalogue_objects < 0 ? info.objects : info.catalogue_objects);
  s.embeddings = s.file.create_group("embeddings");
  const auto n = static_cast<std::uint64_t>(info.objects), e = static_cast<std::uint64_t>(info.dim);
  for (const auto& m : info.modalities) s.embeddings.create_f32(m, n, e);
  s.embeddings.create_f32("fused", n, e);
}

EmbeddingFileWriter::~EmbeddingFileWriter() {
  std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
  state_->embeddings = {};
  state_->file = {};
}

void EmbeddingFileWriter::append(const EmbeddingBatch& batch, const std::string& split) {
  auto& s = *state_;
  const auto rows = batch.fused.size(0);
  if (s.written + rows > s.info.objects) throw Error("embedding file: more objects than announced");
  std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
  const auto write = [&](const std::string& name, const torch::Tensor& t) {
    const auto c = t.to(torch::kFloat32).contiguous();
    s.embeddings.write_f32_rows(name, static_cast<std::uint64_t>(s.written), c.data_ptr<float>(),
                                static_cast<std::uint64_t>(rows),
                                static_cast<std::uint64_t>(s.info.dim));
  };
  for (std::size_t m = 0; m < s.info.modalities.size(); ++m) {
    write(s.info.modalities[m], batch.modalities[m]);
    const auto has =
        batch.present.select(1, static_cast<std::int64_t>(m)).to(torch::kUInt8).contiguous();
    s.present[m].insert(s.present[m].end(), has.data_ptr<std::uint8_t>(),
                        has.data_ptr<std::uint8_t>() + rows);
  }
  write("fused", batch.fused);
  const auto labels = batch.labels.contiguous();
  for (std::int64_t i = 0; i < rows; ++i) {
    s.labels.push_back(static_cast<std::int32_t>(labels.data_ptr<std::int64_t>()[i]));
    s.split.push_back(split);
  }
  s.ids.insert(s.ids.end(), batch.ids.begin(), batch.ids.end());
  s.written += rows;
}

void EmbeddingFileWriter::commit() {
  auto& s = *state_;
  if (s.written != s.info.objects) {
    throw DataError("embedding file: " + std::to_string(s.written) + " of " +
                    std::to_string(s.info.objects) + " objects written");
  }
  {
    std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
    s.file.write("ids", s.ids);
    s.file.write("labels", s.labels);
    s.file.write("split", s.split);
    auto present = s.file.create_group("present");
    for (std::size_t m = 0; m < s.info.modalities.size(); ++m) {
      present.write(s.info.modalities[m], s.present[m]);
    }
    present = {};
    s.embeddings = {};
    s.file.finish();
  }
  s.output.commit();
}

std::int64_t EmbeddingTable::row_of(const std::string& id) const {
  const auto it = rows_by_id.find(id);
  if (it == rows_by_id.end()) throw DataError(path + ": no object with id '" + id + "'");
  return it->second;
}

const torch::Tensor& EmbeddingTable::of(const std::string& modality) const {
  present_in(modality);  // the same error for an unknown name
  const auto it = embeddings.find(modality);
  if (it == embeddings.end()) {
    throw ConfigError("space '" + modality + "' of " + path + " was not read");
  }
  return it->second;
}

const torch::Tensor& EmbeddingTable::present_in(const std::string& modality) const {
  const auto it = present.find(modality);
  if (it == present.end()) {
    std::string known;
    for (const auto& [name, t] : present) known += (known.empty() ? "" : ", ") + name;
    throw ConfigError("modality '" + modality + "' is not in " + path + " (it has: " + known + ")");
  }
  return it->second;
}

std::string EmbeddingTable::label_name(std::int64_t row) const {
  const auto l = labels[row];
  return l >= 0 && l < static_cast<std::int32_t>(info.class_names.size()) ? info.class_names[l]
                                                                          : "";
}

torch::Tensor EmbeddingTable::in_split(const std::string& name) const {
  std::vector<std::int64_t> in;
  for (const auto& s : split) in.push_back(s == name);
  return torch::tensor(in).ne(0);
}

EmbeddingTable read_embedding_file(const std::filesystem::path& path,
                                   const std::vector<std::string>& spaces) {
  EmbeddingTable t;
  t.path = path.string();
  std::lock_guard<std::mutex> lock(data::h5::hdf5_mutex());
  auto f = data::h5::Location::open_file(path.string());
  if (!f.has_attr("format") || f.attr_string("format") != "astrom3-embeddings") {
    throw DataError(f.where() + ": not an astrom3 embedding file (made by `astrom3 embed`)");
  }
  if (f.attr_int("format_version") != 1) {
    throw DataError(f.where() + ": unsupported embedding format_version " +
                    std::to_string(f.attr_int("format_version")));
  }
  try {
    t.info.modalities =
        nlohmann::json::parse(f.attr_string("modalities")).get<std::vector<std::string>>();
    t.info.class_names =
        nlohmann::json::parse(f.attr_string("class_names")).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw DataError(f.where() + ": attribute modalities or class_names is not a JSON list");
  }
  t.info.checkpoint = f.attr_string("checkpoint");
  t.info.split_set = f.attr_string("split_set");
  t.info.precision = f.has_attr("precision") ? f.attr_string("precision") : "fp32";
  // Files written before sharding existed hold a whole catalogue.
  t.info.shard_index = f.has_attr("shard_index") ? static_cast<int>(f.attr_int("shard_index")) : 0;
  t.info.shard_count = f.has_attr("shard_count") ? static_cast<int>(f.attr_int("shard_count")) : 1;
  t.ids = f.read_strings("ids");
  const auto n = static_cast<std::uint64_t>(t.ids.size());
  for (std::size_t i = 0; i < t.ids.size(); ++i) {
    if (!t.rows_by_id.emplace(t.ids[i], static_cast<std::int64_t>(i)).second) {
      throw DataError(f.where("ids") + ": id '" + t.ids[i] + "' appears twice");
    }
  }
  std::vector<std::uint64_t> dims;
  t.labels = f.read_i32("labels", &dims);
  if (dims != std::vector<std::uint64_t>{n}) throw DataError(f.where("labels") + ": expected [N]");
  t.split = f.read_strings("split");
  if (t.split.size() != n) throw DataError(f.where("split") + ": expected [N]");
  auto present = f.open_group("present");
  auto emb = f.open_group("embeddings");
  torch::Tensor any = torch::zeros({static_cast<std::int64_t>(n)}, torch::kBool);
  auto names = t.info.modalities;
  names.push_back("fused");
  for (const auto& m : names) {
    const bool wanted =
        spaces.empty() || std::find(spaces.begin(), spaces.end(), m) != spaces.end();
    if (m != "fused") {
      const auto mask = present.read_u8(m, &dims);
      if (dims != std::vector<std::uint64_t>{n}) {
        throw DataError(present.where(m) + ": expected [N]");
      }
      t.present[m] = torch::tensor(std::vector<std::int64_t>(mask.begin(), mask.end())).ne(0);
      any = any.logical_or(t.present[m]);
    }
    if (!wanted) continue;
    // The tensor takes the buffer over (no copy: a space is 2 GB at 10^6 x 512).
    auto values = std::make_shared<std::vector<float>>(emb.read_f32(m, &dims));
    if (dims.size() != 2 || dims[0] != n) {
      throw DataError(emb.where(m) + ": expected shape [" + std::to_string(n) + ", E]");
    }
    t.info.dim = static_cast<std::int64_t>(dims[1]);
    t.embeddings[m] = torch::from_blob(
        values->data(), {static_cast<std::int64_t>(n), t.info.dim}, [values](void*) {},
        torch::kFloat32);
  }
  t.present["fused"] = any;
  t.info.objects = static_cast<std::int64_t>(n);
  t.info.catalogue_objects =
      f.has_attr("catalogue_objects") ? f.attr_int("catalogue_objects") : t.info.objects;
  return t;
}

}  // namespace astrom3::eval

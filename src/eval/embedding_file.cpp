#include "astrom3/eval/embedding_file.h"

#include <torch/torch.h>

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
  s.file.set_attr("modalities", nlohmann::json(info.modalities).dump());
  s.file.set_attr("class_names", nlohmann::json(info.class_names).dump());
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
    s.file = {};
  }
  s.output.commit();
}

}  // namespace astrom3::eval

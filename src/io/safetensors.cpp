#include "astrom3/io/safetensors.h"

#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"

namespace astrom3::io {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors stores little-endian bytes; big-endian hosts need byte swapping");

struct DtypeName {
  torch::ScalarType type;
  const char* name;
};
constexpr DtypeName kDtypes[] = {
    {torch::kFloat64, "F64"},   {torch::kFloat32, "F32"}, {torch::kFloat16, "F16"},
    {torch::kBFloat16, "BF16"}, {torch::kInt64, "I64"},   {torch::kInt32, "I32"},
    {torch::kInt16, "I16"},     {torch::kInt8, "I8"},     {torch::kUInt8, "U8"},
    {torch::kBool, "BOOL"},
};

const char* dtype_name(torch::ScalarType type, const std::string& key) {
  for (const auto& d : kDtypes) {
    if (d.type == type) return d.name;
  }
  throw Error("safetensors: tensor \"" + key + "\" has unsupported dtype " +
              std::string(c10::toString(type)));
}

DataError bad(const std::filesystem::path& path, const std::string& what) {
  return DataError(path.string() + ": not a valid safetensors file: " + what);
}

}  // namespace

void write_safetensors(const std::filesystem::path& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> data;
  std::uint64_t offset = 0;
  for (const auto& [key, tensor] : tensors) {
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    const auto bytes = static_cast<std::uint64_t>(t.numel()) * t.element_size();
    header[key] = {{"dtype", dtype_name(t.scalar_type(), key)},
                   {"shape", t.sizes().vec()},
                   {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(std::move(t));
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::uint64_t length = text.size();

  AtomicOutput out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f.write(reinterpret_cast<const char*>(&length), sizeof(length));
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : data) {
      f.write(static_cast<const char*>(t.data_ptr()),
              static_cast<std::streamsize>(t.numel() * t.element_size()));
    }
    f.close();
    // errno still holds the failed write's reason, e.g. "No space left on device".
    if (!f) throw Error("cannot write " + out.temp_path().string() + ": " + std::strerror(errno));
  }
  out.commit();
}

SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw DataError("cannot open " + path.string());
  const auto size = static_cast<std::uint64_t>(f.tellg());
  f.seekg(0);
  std::uint64_t length = 0;
  if (size < sizeof(length)) throw bad(path, "shorter than 8 bytes");
  f.read(reinterpret_cast<char*>(&length), sizeof(length));
  if (length > size - sizeof(length)) throw bad(path, "header length exceeds the file");
  std::string text(length, '\0');
  f.read(text.data(), static_cast<std::streamsize>(length));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw bad(path, std::string("header is not JSON: ") + e.what());
  }
  if (!header.is_object()) throw bad(path, "header is not a JSON object");
  const std::uint64_t buffer_size = size - sizeof(length) - length;
  std::vector<char> buffer(buffer_size);
  f.read(buffer.data(), static_cast<std::streamsize>(buffer_size));
  if (!f) throw bad(path, "truncated byte buffer");

  SafetensorsFile file;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [key, entry] : header.items()) {
    if (key == "__metadata__") {
      if (!entry.is_object()) throw bad(path, "__metadata__ is not an object");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) throw bad(path, "__metadata__." + k + " is not a string");
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor \"" + key + "\"";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets")) {
      throw bad(path, where + " lacks dtype, shape or data_offsets");
    }
    const auto name = entry["dtype"].get<std::string>();
    const auto* d = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                 [&](const DtypeName& x) { return name == x.name; });
    if (d == std::end(kDtypes)) throw bad(path, where + " has unsupported dtype " + name);
    std::vector<std::int64_t> shape;
    std::uint64_t numel = 1;
    for (const auto& s : entry["shape"]) {
      if (!s.is_number_unsigned()) throw bad(path, where + " has an invalid shape");
      shape.push_back(s.get<std::int64_t>());
      numel *= s.get<std::uint64_t>();
    }
    const auto& off = entry["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned()) {
      throw bad(path, where + " has invalid data_offsets");
    }
    const auto begin = off[0].get<std::uint64_t>(), end = off[1].get<std::uint64_t>();
    const auto element = static_cast<std::uint64_t>(c10::elementSize(d->type));
    if (end < begin || end > buffer_size || end - begin != numel * element) {
      throw bad(path, where + " has data_offsets that do not match its shape and dtype");
    }
    ranges.emplace_back(begin, end);
    auto t = torch::empty(shape, torch::TensorOptions().dtype(d->type));
    if (numel > 0) std::memcpy(t.data_ptr(), buffer.data() + begin, end - begin);
    file.tensors.emplace(key, std::move(t));
  }
  // The format requires the tensors to tile the buffer exactly: no gaps, no overlaps.
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t cursor = 0;
  for (const auto& [begin, end] : ranges) {
    if (begin != cursor) throw bad(path, "tensor data overlaps or leaves a gap");
    cursor = end;
  }
  if (cursor != buffer_size) throw bad(path, "trailing bytes after the last tensor");
  return file;
}

}  // namespace astrom3::io

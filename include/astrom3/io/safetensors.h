// Reader and writer of the safetensors format (https://huggingface.co/docs/safetensors): an
// unsigned little-endian 64-bit header length N, N bytes of JSON header, then the raw
// little-endian tensor bytes. The header maps each name to {"dtype", "shape",
// "data_offsets": [begin, end)} (offsets relative to the byte buffer) and may hold a
// "__metadata__" object of string values. Python reads astrom3's files with
// safetensors.torch.load_file; astrom3 reads files written by Python's safetensors.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <torch/types.h>

namespace astrom3::io {

/// Named tensors in name order.
using TensorMap = std::map<std::string, torch::Tensor>;

struct SafetensorsFile {
  TensorMap tensors;                            // CPU, contiguous, owning their memory
  std::map<std::string, std::string> metadata;  // the __metadata__ object
};

/// Writes atomically (temporary file, then rename). Tensors may live on any device and have any
/// layout; they are written contiguous, in name order, with the header padded to 8 bytes.
/// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
void write_safetensors(const std::filesystem::path& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata = {});

/// Reads and validates a file. Throws DataError naming the file (and the tensor) when the
/// header is malformed, a dtype is unsupported, or the offsets do not tile the byte buffer.
SafetensorsFile read_safetensors(const std::filesystem::path& path);

}  // namespace astrom3::io

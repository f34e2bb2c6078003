// Allocation failures, reported with the settings that size memory instead of LibTorch's raw
// allocator text ("DefaultCPUAllocator: can't allocate memory: you tried to allocate ...").
#pragma once

#include <string>

#include <fmt/format.h>

#include "astrom3/common/physical_memory.h"

namespace astrom3::cli {

/// Whether a LibTorch error message reports a failed allocation (CPU or CUDA).
inline bool is_out_of_memory(const std::string& what) {
  return what.find("can't allocate memory") != std::string::npos ||
         what.find("out of memory") != std::string::npos;
}

/// The message for a failed allocation; `what` is the allocator's own text (its first line is
/// kept, since it says how much was asked for).
inline std::string out_of_memory_message(const std::string& what) {
  const double gib = static_cast<double>(physical_memory_bytes()) / (1 << 30);
  return fmt::format(
      "out of memory ({}). This machine has {:.0f} GiB: a size setting is probably too large for "
      "it (model widths and layers, loader.batch_size, data.seq_len, synth.objects, "
      "synth.unlabeled or synth.unseen); --dump-config prints the values in effect",
      what.substr(0, what.find('\n')), gib);
}

}  // namespace astrom3::cli

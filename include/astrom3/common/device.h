// Device selection: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".
#pragma once

#include <string>

#include <c10/core/Device.h>

namespace astrom3 {

/// True if `spec` is syntactically one of auto, cpu, cuda, cuda:N.
bool is_valid_device_spec(const std::string& spec);

/// Resolves a device spec against this machine. Throws ConfigError if CUDA is asked for but not
/// available, or the index does not exist.
c10::Device resolve_device(const std::string& spec);

/// `requested` threads, at most the machine's cores (std::thread::hardware_concurrency): more
/// threads than cores only slow LibTorch down (20x with 64 on 2 cores), and a mistyped count
/// spent minutes creating threads. Warns once per process when it caps.
int capped_threads(int requested);

/// Sets the intra-op thread count (capped_threads); 0 keeps LibTorch's default (one per core).
void set_num_threads(int threads);

/// Threads for astrom3's own parallel work (data preparation, batch workers): `configured`
/// (runtime.threads) if positive, capped at the cores, else one per core.
int worker_threads(int configured);

}  // namespace astrom3

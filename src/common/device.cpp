#include "astrom3/common/device.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <regex>

#include "astrom3/common/error.h"

namespace astrom3 {

bool is_valid_device_spec(const std::string& spec) {
  static const std::regex re("^(auto|cpu|cuda(:[0-9]+)?)$");
  return std::regex_match(spec, re);
}

c10::Device resolve_device(const std::string& spec) {
  if (!is_valid_device_spec(spec)) {
    throw ConfigError("runtime.device: expected auto, cpu, cuda or cuda:N, got \"" + spec + "\"");
  }
  if (spec == "cpu") return c10::Device(c10::kCPU);
  const bool cuda = torch::cuda::is_available();
  if (spec == "auto") return cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (!cuda) {
    throw ConfigError("runtime.device: \"" + spec +
                      "\" requested but this LibTorch build or machine has no CUDA device");
  }
  c10::Device device(spec);
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (device.has_index() && device.index() >= count) {
    throw ConfigError("runtime.device: \"" + spec + "\" requested but only " +
                      std::to_string(count) + " CUDA device(s) exist");
  }
  if (!device.has_index()) device.set_index(0);
  return device;
}

namespace {

int cores() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

int capped_threads(int requested) {
  if (requested <= cores()) return requested;
  static std::once_flag warned;
  std::call_once(warned, [&] {
    spdlog::warn("runtime.threads {} exceeds the {} cores of this machine: using {}", requested,
                 cores(), cores());
  });
  return cores();
}

void set_num_threads(int threads) {
  if (threads > 0) torch::set_num_threads(capped_threads(threads));
}

int worker_threads(int configured) {
  return configured > 0 ? capped_threads(configured) : cores();
}

}  // namespace astrom3

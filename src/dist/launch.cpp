#include "astrom3/dist/launch.h"

#include <algorithm>
#include <cstdlib>

#include <torch/cuda.h>

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"

namespace astrom3::dist {
namespace {

int integer_variable(const Environment& env, const std::string& name, int min_value) {
  const auto text = env(name);
  if (!text) throw ConfigError("environment variable " + name + " is not set");
  try {
    std::size_t used = 0;
    const long value = std::stol(*text, &used);
    if (used == text->size() && value >= min_value && value <= 1 << 30) {
      return static_cast<int>(value);
    }
  } catch (const std::exception&) {
  }
  throw ConfigError("environment variable " + name + "=\"" + *text +
                    "\": expected an integer >= " + std::to_string(min_value));
}

int optional_integer(const Environment& env, const std::string& name, int min_value, int fallback) {
  return env(name) ? integer_variable(env, name, min_value) : fallback;
}

}  // namespace

std::string LaunchInfo::describe() const {
  return "rank " + std::to_string(rank) + " of " + std::to_string(world_size) + " (" + source +
         " launch, local rank " + std::to_string(local_rank) + ", rendezvous " + master_addr + ":" +
         std::to_string(master_port) + ")";
}

std::string first_slurm_host(const std::string& nodelist) {
  // Host lists are comma-separated entries, each a prefix and an optional bracketed set of
  // numbers or ranges ("gpu[012-015,020]"); only the first number of the first entry matters.
  std::string host;
  for (std::size_t i = 0; i < nodelist.size(); ++i) {
    const char c = nodelist[i];
    if (c == ',') break;
    if (c == '[') {
      const auto stop = nodelist.find_first_of(",-]", i + 1);
      if (stop == std::string::npos) break;
      host += nodelist.substr(i + 1, stop - i - 1);
      const auto close = nodelist.find(']', i);
      if (close == std::string::npos) break;
      i = close;
      continue;
    }
    host += c;
  }
  if (host.empty())
    throw ConfigError("cannot read a host from the SLURM node list \"" + nodelist + "\"");
  return host;
}

LaunchInfo detect_launch(const Environment& env) {
  LaunchInfo info;
  if (env("WORLD_SIZE") || env("RANK")) {
    info.source = "torchrun";
    info.world_size = integer_variable(env, "WORLD_SIZE", 1);
    info.rank = integer_variable(env, "RANK", 0);
    info.local_rank = optional_integer(env, "LOCAL_RANK", 0, info.rank);
  } else if (env("SLURM_PROCID") && (env("SLURM_STEP_NUM_TASKS") || env("SLURM_NTASKS"))) {
    info.source = "slurm";
    info.world_size = integer_variable(
        env, env("SLURM_STEP_NUM_TASKS") ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS", 1);
    info.rank = integer_variable(env, "SLURM_PROCID", 0);
    info.local_rank = optional_integer(env, "SLURM_LOCALID", 0, 0);
    if (const auto nodes =
            env("SLURM_JOB_NODELIST") ? env("SLURM_JOB_NODELIST") : env("SLURM_NODELIST")) {
      info.master_addr = first_slurm_host(*nodes);
    }
    info.master_port = 29500 + optional_integer(env, "SLURM_JOB_ID", 0, 0) % 1000;
  } else {
    return info;
  }
  if (info.rank >= info.world_size) {
    throw ConfigError("distributed launch: rank " + std::to_string(info.rank) +
                      " is outside a world of " + std::to_string(info.world_size));
  }
  if (const auto addr = env("MASTER_ADDR")) info.master_addr = *addr;
  info.master_port = optional_integer(env, "MASTER_PORT", 1, info.master_port);
  if (info.master_port > 65535) {
    throw ConfigError("MASTER_PORT=" + std::to_string(info.master_port) + " is not a TCP port");
  }
  if (info.world_size == 1) info.source = "single";
  return info;
}

LaunchInfo detect_launch() {
  return detect_launch([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

c10::Device rank_device(const std::string& spec, const LaunchInfo& launch) {
  const bool cuda = torch::cuda::is_available();
  if (spec == "auto" && !cuda) return c10::Device(c10::kCPU);
  if (spec == "auto" || spec == "cuda") {
    // Modulo the visible devices: with one GPU bound per task (srun --gpus-per-task=1, or
    // CUDA_VISIBLE_DEVICES set per rank) every rank sees its GPU as cuda:0.
    const auto count = static_cast<int>(torch::cuda::device_count());
    return resolve_device("cuda:" + std::to_string(launch.local_rank % std::max(1, count)));
  }
  return resolve_device(spec);
}

}  // namespace astrom3::dist

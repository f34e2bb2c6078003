// How this process was launched: alone, or as one rank of a distributed job started by
// torchrun (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) or by SLURM's srun
// (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_JOB_NODELIST). docs/distributed.md.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <c10/core/Device.h>

namespace astrom3::dist {

struct LaunchInfo {
  int rank = 0;                           // global rank, 0 .. world_size - 1
  int world_size = 1;                     // 1 = a single process; nothing distributed happens
  int local_rank = 0;                     // rank on this node: the CUDA device it uses
  std::string master_addr = "127.0.0.1";  // host of rank 0 (the rendezvous store)
  int master_port = 29500;
  std::string source = "single";  // single | torchrun | slurm

  bool distributed() const { return world_size > 1; }
  /// "rank R of W (launched by S)".
  std::string describe() const;
};

/// Reads a variable; nullopt when unset.
using Environment = std::function<std::optional<std::string>(const std::string&)>;

/// The launch described by `env`. torchrun's variables win over SLURM's; MASTER_ADDR and
/// MASTER_PORT override SLURM's defaults (the first host of SLURM_JOB_NODELIST and
/// 29500 + SLURM_JOB_ID % 1000, so that two jobs on one node do not collide). Under SLURM the
/// world is the job step's task count (SLURM_STEP_NUM_TASKS, else SLURM_NTASKS), so a batch
/// script that runs astrom3 without srun stays a single process. Throws ConfigError naming the
/// variable when one is malformed or inconsistent (rank outside the world).
LaunchInfo detect_launch(const Environment& env);
/// detect_launch over the process environment.
LaunchInfo detect_launch();

/// The first host of a SLURM host list: "gpu[012-015,020],cpu7" -> "gpu012".
std::string first_slurm_host(const std::string& nodelist);

/// The device a rank trains on: "auto" and "cuda" pick cuda:(LOCAL_RANK mod visible devices)
/// when CUDA is available, so both all GPUs visible to every rank and one GPU bound per task
/// work ("auto" falls back to the CPU); "cpu" and "cuda:N" are taken as given.
c10::Device rank_device(const std::string& spec, const LaunchInfo& launch);

}  // namespace astrom3::dist

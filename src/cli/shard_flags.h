// The shard a cataloguing command (embed, predict) works on: --shard I/N, or one shard per
// rank under a distributed launch (torchrun or SLURM), never both.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "astrom3/dist/launch.h"
#include "astrom3/dist/shard.h"

namespace astrom3::cli {

struct CommandShard {
  dist::Shard shard;
  dist::LaunchInfo launch;
  std::filesystem::path out;  // `out`, or its shard file name when there are several shards
};

/// Resolves the shard from `flag` ("I/N" or empty) and the launch environment, tags the log
/// with the rank under a distributed launch, and names the output file. Throws ConfigError
/// naming `command` when both a flag and a distributed launch are given.
CommandShard resolve_command_shard(const std::string& flag, const std::string& out,
                                   const std::string& command);

/// The shard files of `<command> --merge`. Throws ConfigError when options of a computing run
/// were given too (`run_options`), or no shard file (the message shows `example_out`).
std::vector<std::filesystem::path> merge_inputs(const std::string& command, bool run_options,
                                                const std::vector<std::string>& inputs,
                                                const std::string& example_out);

}  // namespace astrom3::cli

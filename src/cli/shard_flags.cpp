#include "cli/shard_flags.h"

#include "astrom3/common/error.h"
#include "astrom3/common/logging.h"
#include "astrom3/eval/embedding_merge.h"

namespace astrom3::cli {

CommandShard resolve_command_shard(const std::string& flag, const std::string& out,
                                   const std::string& command) {
  CommandShard c;
  c.launch = dist::detect_launch();
  if (!flag.empty()) c.shard = dist::parse_shard(flag);
  if (c.launch.distributed()) {
    if (!flag.empty()) {
      throw ConfigError(command + ": --shard and a distributed launch (" + c.launch.describe() +
                        ") exclude each other; each rank already works on its own shard");
    }
    c.shard = {c.launch.rank, c.launch.world_size};
    set_logging_rank(c.launch.rank);
  }
  c.out = c.shard.count > 1 ? eval::shard_file_path(out, c.shard.index, c.shard.count)
                            : std::filesystem::path(out);
  return c;
}

std::vector<std::filesystem::path> merge_inputs(const std::string& command, bool run_options,
                                                const std::vector<std::string>& inputs,
                                                const std::string& example_out) {
  if (run_options) {
    throw ConfigError(command +
                      " --merge joins existing shard files; it takes no --checkpoint, --data, "
                      "--shard, --config, --set, --dump-config or --precision");
  }
  if (inputs.empty()) {
    throw ConfigError(command + " --merge: name the shard files, e.g. " + command +
                      " --merge --out " + example_out + " all.shard-*.h5");
  }
  return {inputs.begin(), inputs.end()};
}

}  // namespace astrom3::cli

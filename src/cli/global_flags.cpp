#include "cli/global_flags.h"

namespace astrom3::cli {

void add_global_flags(CLI::App& app, GlobalFlags& flags) {
  app.add_option("--log-level", flags.log_level,
                 "trace, debug, info, warn, error, critical or off (runtime.log_level)");
  app.add_option("--threads", flags.threads,
                 "worker and intra-op threads, 0 = one per core (runtime.threads)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--device", flags.device, "auto, cpu, cuda or cuda:N (runtime.device)");
}

}  // namespace astrom3::cli

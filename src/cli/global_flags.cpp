#include "cli/global_flags.h"

#include "cli/validators.h"

namespace astrom3::cli {
namespace {
// The global flags that take a value as the next argument.
constexpr const char* kValueFlags[] = {"--log-level", "--threads", "--device"};
}  // namespace

void add_global_flags(CLI::App& app, GlobalFlags& flags) {
  app.add_option("--log-level", flags.log_level,
                 "trace, debug, info, warn, error, critical or off (runtime.log_level)");
  app.add_option("--threads", flags.threads,
                 "worker and intra-op threads, 0 = one per core (runtime.threads)")
      ->check(non_negative());
  app.add_option("--device", flags.device, "auto, cpu, cuda or cuda:N (runtime.device)");
}

std::string unknown_command_message(const CLI::App& app, int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return {};
    if (arg.rfind('-', 0) == 0) {
      for (const char* flag : kValueFlags) {
        if (arg == flag) ++i;  // its value follows
      }
      continue;
    }
    std::string names;
    for (const auto* command : app.get_subcommands([](const CLI::App*) { return true; })) {
      if (command->get_name() == arg) return {};
      names += (names.empty() ? "" : ", ") + command->get_name();
    }
    return "unknown command \"" + arg + "\"; the commands are " + names;
  }
  return {};
}

}  // namespace astrom3::cli

#include "cli/precision_flag.h"

#include <string>
#include <vector>

namespace astrom3::cli {

CLI::Option* add_precision_flag(CLI::App& cmd, PrecisionFlag& flag) {
  std::vector<std::string> names;
  for (const auto& [name, value] : precision_names()) names.push_back(name);
  return cmd
      .add_option_function<std::string>(
          "--precision",
          [&flag](const std::string& name) {
            flag.value = *parse_enum(name, precision_names());  // checked below, before this
            flag.given = true;
          },
          "fp32 (default) or bf16: matrix products and convolutions in bfloat16, the rest "
          "float32 (docs/performance.md, \"bf16 mixed precision\")")
      ->check(CLI::IsMember(names));
}

}  // namespace astrom3::cli

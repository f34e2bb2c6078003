#include "astrom3/common/fault_point.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace astrom3 {

void fault_point(const char* name) {
  const char* spec = std::getenv("ASTROM3_FAULT");
  if (!spec) return;
  const std::string s(spec);
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || s.compare(0, colon, name) != 0) return;
  const auto signal = s.substr(colon + 1);
  if (signal == "TERM") std::raise(SIGTERM);
  if (signal == "INT") std::raise(SIGINT);
  if (signal == "KILL") std::raise(SIGKILL);
}

}  // namespace astrom3

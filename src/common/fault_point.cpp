#include "astrom3/common/fault_point.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace astrom3 {

void fault_point(const char* name) {
  const char* spec = std::getenv("ASTROM3_FAULT");
  if (!spec) return;
  // NAME[@N]:SIGNAL
  const std::string s(spec);
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return;
  const auto at = s.find('@');
  const auto name_end = at != std::string::npos && at < colon ? at : colon;
  if (s.compare(0, name_end, name) != 0 || std::string(name).size() != name_end) return;
  long long nth = 1;
  if (name_end != colon) {
    try {
      nth = std::stoll(s.substr(name_end + 1, colon - name_end - 1));
    } catch (const std::exception&) {
      return;  // a malformed count never fires
    }
  }
  // One fault per process, so one counter of the times its point was reached.
  static std::atomic<long long> reached{0};
  if (++reached != nth) return;
  const auto signal = s.substr(colon + 1);
  if (signal == "TERM") std::raise(SIGTERM);
  if (signal == "INT") std::raise(SIGINT);
  if (signal == "KILL") std::raise(SIGKILL);
}

}  // namespace astrom3

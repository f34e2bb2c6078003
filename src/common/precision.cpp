#include "astrom3/common/precision.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace astrom3 {
namespace {

// The whitespace-separated words of the first line of `text` that starts with `key`.
bool line_has_word(const std::string& text, const std::string& key, const std::string& word) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream words(line.substr(colon + 1));
    std::string w;
    while (words >> w) {
      if (w == word) return true;
    }
    return false;  // only the first CPU's line counts: every core lists the same set
  }
  return false;
}

}  // namespace

bool cpuinfo_has_native_bf16(const std::string& cpuinfo) {
  return line_has_word(cpuinfo, "flags", "avx512_bf16") ||
         line_has_word(cpuinfo, "flags", "amx_bf16") || line_has_word(cpuinfo, "Features", "bf16");
}

std::optional<bool> cpu_has_native_bf16() {
  std::ifstream in("/proc/cpuinfo");
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return cpuinfo_has_native_bf16(text.str());
}

void warn_if_bf16_is_emulated(Precision precision, const c10::Device& device,
                              const std::string& what) {
  if (precision != Precision::kBf16 || !device.is_cpu()) return;
  if (cpu_has_native_bf16().value_or(true)) return;
  spdlog::warn(
      "[{}] bf16 on a CPU without native bf16 arithmetic (no AVX512_BF16, AMX-BF16 or Arm BF16 "
      "in /proc/cpuinfo): LibTorch emulates it, and the run will be slower than fp32",
      what);
}

}  // namespace astrom3

// The machine's physical memory, for refusing work that cannot fit before it starts.
#pragma once

#include <unistd.h>

#include <cstdint>

namespace astrom3 {

/// Bytes of physical memory, or 0 when the system does not say.
inline std::int64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::int64_t>(pages) * page : 0;
}

}  // namespace astrom3

// A fixed pool of threads over an index range. Worker w handles indices w, w + T, w + 2T, ...
// (T = the number of workers), so which worker handles an index depends only on T, and results
// written to per-index slots are the same for any T. The first exception thrown by any worker is
// rethrown on the calling thread after all workers have stopped.
#pragma once

#include <cstdint>
#include <functional>

namespace astrom3 {

/// Calls fn(worker, i) for i in [0, n) on max(1, threads) threads.
void parallel_for(std::int64_t n, int threads,
                  const std::function<void(int worker, std::int64_t index)>& fn);

}  // namespace astrom3

// The exit codes of astrom3 (docs/cli.md).
#pragma once

namespace astrom3::cli {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;  // any other error (including a non-finite loss)
inline constexpr int kExitUsage = 2;    // usage or configuration error
inline constexpr int kExitData = 3;     // missing, corrupt or inconsistent input data
inline constexpr int kExitInterrupted =
    75;  // stopped by SIGINT/SIGTERM, resumable checkpoint written

}  // namespace astrom3::cli

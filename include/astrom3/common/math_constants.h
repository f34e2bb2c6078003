// Mathematical constants of the library, defined once (C++17 has no std::numbers; a constant
// per file would collide in the unity build, CONTRIBUTING.md).
#pragma once

namespace astrom3 {

inline constexpr double kPi = 3.14159265358979323846;
/// 2 pi: the same double as the literal 6.283185307179586..., since doubling is exact.
inline constexpr double kTwoPi = 2.0 * kPi;

}  // namespace astrom3

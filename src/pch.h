// Precompiled header for astrom3 targets: LibTorch's headers dominate compile time
// (about 30 s per translation unit on 2 cores), so they are parsed once per target.
#pragma once
#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

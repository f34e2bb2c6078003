// Precompiled header for astrom3 targets: LibTorch's headers dominate compile time
// (about 30 s per translation unit on 2 cores), so they are parsed once per target.
#pragma once
#include <torch/torch.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

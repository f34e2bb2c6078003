#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <thread>

#include "astrom3/common/device.h"
#include "astrom3/common/error.h"

namespace astrom3 {
namespace {

TEST(Device, SpecSyntax) {
  for (const char* ok : {"auto", "cpu", "cuda", "cuda:0", "cuda:12"}) {
    EXPECT_TRUE(is_valid_device_spec(ok)) << ok;
  }
  for (const char* bad : {"", "gpu", "cuda:", "cuda:x", "CPU", "cpu:0", " cuda"}) {
    EXPECT_FALSE(is_valid_device_spec(bad)) << bad;
  }
  EXPECT_THROW(resolve_device("gpu"), ConfigError);
}

TEST(Device, ResolvesAgainstThisMachine) {
  EXPECT_TRUE(resolve_device("cpu").is_cpu());
  if (torch::cuda::is_available()) {
    EXPECT_TRUE(resolve_device("auto").is_cuda());
    EXPECT_EQ(resolve_device("cuda").index(), 0);
    const auto n = static_cast<int>(torch::cuda::device_count());
    EXPECT_THROW(resolve_device("cuda:" + std::to_string(n)), ConfigError);
  } else {
    EXPECT_TRUE(resolve_device("auto").is_cpu());
    try {
      resolve_device("cuda:0");
      FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("no CUDA device"), std::string::npos) << e.what();
    }
  }
}

TEST(Device, ThreadCountsAreCappedAtTheCores) {
  // --threads 100000 once spent minutes creating threads; more threads than cores only slow.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(worker_threads(100000), cores);
  EXPECT_EQ(capped_threads(cores + 1), cores);
  EXPECT_EQ(capped_threads(1), 1);
  EXPECT_EQ(worker_threads(1), 1);
  EXPECT_EQ(worker_threads(0), cores);
  const int before = torch::get_num_threads();
  set_num_threads(100000);
  EXPECT_EQ(torch::get_num_threads(), cores);
  torch::set_num_threads(before);
}

}  // namespace
}  // namespace astrom3

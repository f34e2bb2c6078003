// bf16 support detection from /proc/cpuinfo text (common/precision.h) and the autocast scope
// (common/torch_compat.h): which products it lowers, what it leaves in float32, and that it
// restores the state it found.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "astrom3/common/precision.h"
#include "astrom3/common/torch_compat.h"

namespace astrom3 {
namespace {

TEST(Precision, CpuinfoFlagsNameNativeBf16) {
  const std::string zen4 =
      "processor\t: 0\nvendor_id\t: AuthenticAMD\n"
      "flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n";
  const std::string sapphire = "flags\t\t: fpu avx512f amx_bf16 amx_tile amx_int8\n";
  const std::string skylake = "flags\t\t: fpu avx2 avx512f avx512bw avx512_vnni\n";
  const std::string graviton3 = "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n";
  const std::string graviton2 = "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\n";
  EXPECT_TRUE(cpuinfo_has_native_bf16(zen4));
  EXPECT_TRUE(cpuinfo_has_native_bf16(sapphire));
  EXPECT_FALSE(cpuinfo_has_native_bf16(skylake));
  EXPECT_TRUE(cpuinfo_has_native_bf16(graviton3));
  EXPECT_FALSE(cpuinfo_has_native_bf16(graviton2));
  EXPECT_FALSE(cpuinfo_has_native_bf16(""));
  // Whole words only, and the first CPU's line only.
  EXPECT_FALSE(cpuinfo_has_native_bf16("flags\t: avx512_bf16x sbf16\n"));
  EXPECT_FALSE(cpuinfo_has_native_bf16("flags\t: fpu\nflags\t: avx512_bf16\n"));
}

TEST(Precision, NamesRoundTrip) {
  EXPECT_EQ(name_of(Precision::kBf16, precision_names()), "bf16");
  EXPECT_EQ(parse_enum<Precision>("fp32", precision_names()), Precision::kFp32);
  EXPECT_FALSE(parse_enum<Precision>("fp16", precision_names()).has_value());
}

TEST(AutocastScope, LowersProductsOnTheCpuAndRestoresTheState) {
  const auto x = torch::randn({8, 16});
  const auto w = torch::randn({4, 16});
  EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kFloat32);
  {
    AutocastScope outer(c10::DeviceType::CPU, true);
    EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kBFloat16);
    EXPECT_EQ(torch::matmul(x, w.t()).scalar_type(), torch::kBFloat16);
    // Element-wise work and layer norm of float32 inputs stay float32.
    EXPECT_EQ((x * 2).scalar_type(), torch::kFloat32);
    EXPECT_EQ(torch::layer_norm(x, {16}).scalar_type(), torch::kFloat32);
    {
      AutocastScope disabled(c10::DeviceType::CPU, false);  // a no-op: still lowered
      EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kBFloat16);
    }
    {
      AutocastScope inner(c10::DeviceType::CPU, true);
      EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kBFloat16);
    }
    // The inner scope found autocast on and leaves it on.
    EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kBFloat16);
  }
  EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kFloat32);
  // A CUDA scope leaves CPU tensors alone (CPU-only builds run this too: it only sets state).
  {
    AutocastScope cuda(c10::DeviceType::CUDA, true);
    EXPECT_EQ(torch::linear(x, w).scalar_type(), torch::kFloat32);
  }
}

TEST(AutocastScope, ProductsMatchAnExplicitBf16Cast) {
  // The lowered product is the product of the operands rounded to bf16 (accumulated in
  // float32 and rounded once): against an explicit cast of both operands.
  torch::manual_seed(3);
  const auto x = torch::randn({32, 64});
  const auto w = torch::randn({16, 64});
  torch::Tensor lowered;
  {
    AutocastScope scope(c10::DeviceType::CPU, true);
    lowered = torch::linear(x, w);
  }
  const auto explicit_cast = torch::matmul(x.to(torch::kBFloat16).to(torch::kFloat32),
                                           w.to(torch::kBFloat16).to(torch::kFloat32).t());
  // One bf16 rounding of the result: relative error <= 2^-8.
  const auto error = (lowered.to(torch::kFloat32) - explicit_cast).abs();
  EXPECT_TRUE((error <= explicit_cast.abs() * (1.0 / 256) + 1e-3).all().item<bool>());
  EXPECT_GT((lowered.to(torch::kFloat32) - torch::linear(x, w)).abs().max().item<double>(), 0.0);
}

}  // namespace
}  // namespace astrom3

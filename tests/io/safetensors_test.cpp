#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <limits>

#include "astrom3/common/error.h"
#include "astrom3/io/safetensors.h"
#include "astrom3/io/state_dict.h"
#include "support/test_support.h"

namespace astrom3::io {
namespace {

void write_raw(const std::filesystem::path& path, const std::string& header,
               const std::string& body) {
  std::ofstream f(path, std::ios::binary);
  const std::uint64_t n = header.size();
  f.write(reinterpret_cast<const char*>(&n), 8);
  f << header << body;
}

std::string error_of(const std::filesystem::path& path) {
  try {
    read_safetensors(path);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, RoundTripsEveryDtypeShapeAndMetadata) {
  test::TempDir dir;
  TensorMap in = {
      {"a.f32", torch::randn({3, 4})},
      {"b.f64", torch::randn({2}, torch::kFloat64)},
      {"c.i64", torch::arange(5, torch::kInt64)},
      {"d.scalar", torch::full({}, 4.5f)},
      {"e.empty", torch::empty({0, 3})},
      {"f.bool", torch::tensor({true, false, true})},
      {"g.bf16", torch::randn({4}).to(torch::kBFloat16)},
      {"h.view", torch::randn({4, 6}).t()},  // non-contiguous input
  };
  write_safetensors(dir / "x.safetensors", in, {{"format", "pt"}, {"note", "hi"}});
  const auto out = read_safetensors(dir / "x.safetensors");
  ASSERT_EQ(out.tensors.size(), in.size());
  for (const auto& [k, t] : in) {
    EXPECT_EQ(out.tensors.at(k).scalar_type(), t.scalar_type()) << k;
    EXPECT_TRUE(torch::equal(out.tensors.at(k), t)) << k;
  }
  EXPECT_EQ(out.metadata.at("note"), "hi");
}

TEST(Safetensors, LayoutFollowsTheSpecification) {
  // Hand-built expectation: 8-byte length, JSON header padded with spaces to 8 bytes, data.
  test::TempDir dir;
  write_safetensors(dir / "x.safetensors", {{"w", torch::tensor({1.0f, 2.0f})}});
  std::ifstream f(dir / "x.safetensors", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.rfind("{\"w\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}}", 0),
            0u);
  ASSERT_EQ(bytes.size(), 8 + n + 8);
  float values[2];
  std::memcpy(values, bytes.data() + 8 + n, 8);
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[1], 2.0f);
}

TEST(Safetensors, MalformedFilesAreDataErrorsNamingTheProblem) {
  test::TempDir dir;
  const auto p = dir / "bad.safetensors";
  write_raw(p, "{not json", "");
  EXPECT_NE(error_of(p).find("not JSON"), std::string::npos);
  write_raw(p, R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "1234");
  EXPECT_NE(error_of(p).find("\"w\""), std::string::npos);
  write_raw(p, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", "12345678");
  EXPECT_NE(error_of(p).find("gap"), std::string::npos);
  write_raw(p, R"({"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", "12345678");
  EXPECT_NE(error_of(p).find("unsupported dtype C64"), std::string::npos);
  std::ofstream(dir / "short.safetensors") << "abc";
  EXPECT_NE(error_of(dir / "short.safetensors").find("shorter than 8 bytes"), std::string::npos);
  const std::uint64_t huge = 1ull << 40;
  std::ofstream(dir / "huge.safetensors", std::ios::binary)
      .write(reinterpret_cast<const char*>(&huge), 8);
  EXPECT_NE(error_of(dir / "huge.safetensors").find("header length"), std::string::npos);
}

TEST(StateDict, StrictLoadingNamesEveryMismatch) {
  torch::nn::Linear a(3, 2), b(3, 2);
  auto sd = state_dict(*a);
  load_state_dict(*b, sd, "test");
  EXPECT_TRUE(torch::equal(a->weight, b->weight));

  auto bad = sd;
  bad.erase("bias");
  bad["weight"] = torch::zeros({2, 4});
  bad["extra"] = torch::zeros({1});
  try {
    load_state_dict(*b, bad, "weights.safetensors");
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("weights.safetensors"), std::string::npos);
    EXPECT_NE(what.find("missing key bias"), std::string::npos);
    EXPECT_NE(what.find("unexpected key extra"), std::string::npos);
    EXPECT_NE(what.find("key weight has shape [2, 4], expected [2, 3]"), std::string::npos);
  }
}

TEST(StateDict, NonFiniteWeightsAreRefusedAndTheModuleIsLeftUntouched) {
  // NaN weights used to pass `import`; `embed` then wrote NaN embeddings with exit 0.
  torch::nn::Linear a(3, 2), b(3, 2);
  const auto before = b->weight.clone();
  auto sd = state_dict(*a);
  sd["weight"] = sd["weight"].clone();
  sd["weight"][0][1] = std::numeric_limits<float>::quiet_NaN();
  sd["weight"][1][2] = -std::numeric_limits<float>::infinity();
  test::expect_data_error([&] { load_state_dict(*b, sd, "w.safetensors"); },
                          {"w.safetensors", "non-finite", "weight (2 of 6 values)"});
  EXPECT_TRUE(torch::equal(b->weight, before));
}

}  // namespace
}  // namespace astrom3::io

#include "astrom3/model/dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace astrom3::model {
namespace {

// Chris Wellons' lowbias32: a 32-bit bijection with near-ideal avalanche. Two rounds keyed by
// the two halves of the seed make the mask of element i a hash of (seed, i); 32-bit integer
// arithmetic vectorises (8 lanes with AVX2, 16 with AVX-512: 1.6x faster on a Sapphire Rapids
// core, and AVX512BW packs bf16's 16-bit values: half their time), which a 64-bit generator
// would not.
inline std::uint32_t lowbias32(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// bf16 <-> float32 on the raw 16-bit patterns, in branch-free integer arithmetic that
// vectorises (c10::BFloat16's conversions do not): a bf16 is the upper half of a float32, and
// rounding to nearest even adds 0x7FFF plus the lowest kept bit before truncating, as c10 does.
// NaN stays NaN (c10's quiet NaN 0x7FC0).
inline float to_float(float x) {
  return x;
}

inline float to_float(std::uint16_t bits) {
  const std::uint32_t u = static_cast<std::uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline void store(float f, float& out) {
  out = f;
}

inline void store(float f, std::uint16_t& out) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  const auto rounded = static_cast<std::uint16_t>((u + 0x7FFFU + ((u >> 16) & 1U)) >> 16);
  out = f != f ? std::uint16_t{0x7FC0} : rounded;
}

// out[i] = in[i] * (keep ? scale : 0) for i in [begin, end), whose counters i + base (the
// element's global index, modulo 2^32) all lie in one 2^32-element segment whose number is
// already folded into `key2`. An element is kept when its draw is >=
// threshold = round(p * 2^32), which has probability 1 - p to within 2^-32. No branches. The
// mask depends only on the counter, so float32 and bf16 (uint16_t bits) tensors of one shape
// share it.
template <typename T>
inline void segment(const T* in, T* out, std::int64_t begin, std::int64_t end, std::uint32_t base,
                    std::uint32_t threshold, float scale, std::uint32_t key1, std::uint32_t key2) {
  for (std::int64_t i = begin; i < end; ++i) {
    const std::uint32_t counter = static_cast<std::uint32_t>(i) + base;
    const std::uint32_t h = lowbias32(lowbias32(counter ^ key1) + key2);
    store(to_float(in[i]) * (h >= threshold ? scale : 0.0f), out[i]);
  }
}

// The loop compiled for AVX512BW (16 lanes, and 16-bit packing for bf16), AVX2 and the
// baseline, chosen once at run time; every version computes the same bits.
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
// `segment` compiled for one instruction set.
#define ASTROM3_SEGMENT_FOR(name, isa)                                               \
  template <typename T>                                                              \
  __attribute__((target(isa))) void name(                                            \
      const T* in, T* out, std::int64_t begin, std::int64_t end, std::uint32_t base, \
      std::uint32_t threshold, float scale, std::uint32_t k1, std::uint32_t k2) {    \
    segment(in, out, begin, end, base, threshold, scale, k1, k2);                    \
  }
ASTROM3_SEGMENT_FOR(segment_avx512, "avx512bw")
ASTROM3_SEGMENT_FOR(segment_avx2, "avx2")
#undef ASTROM3_SEGMENT_FOR

template <typename T>
void apply_segment(const T* in, T* out, std::int64_t begin, std::int64_t end, std::uint32_t base,
                   std::uint32_t threshold, float scale, std::uint32_t key1, std::uint32_t key2) {
  static const int level =
      __builtin_cpu_supports("avx512bw") ? 2 : (__builtin_cpu_supports("avx2") ? 1 : 0);
  if (level == 2) {
    segment_avx512(in, out, begin, end, base, threshold, scale, key1, key2);
  } else if (level == 1) {
    segment_avx2(in, out, begin, end, base, threshold, scale, key1, key2);
  } else {
    segment(in, out, begin, end, base, threshold, scale, key1, key2);
  }
}
#else
template <typename T>
void apply_segment(const T* in, T* out, std::int64_t begin, std::int64_t end, std::uint32_t base,
                   std::uint32_t threshold, float scale, std::uint32_t key1, std::uint32_t key2) {
  segment(in, out, begin, end, base, threshold, scale, key1, key2);
}
#endif

// `first`: the global index of element 0 (see DropoutRowOffset).
template <typename T>
void apply(const T* in, T* out, std::int64_t n, double p, std::uint64_t seed, std::int64_t first) {
  const double t = std::min(p * 4294967296.0 + 0.5, 4294967295.0);
  const auto threshold = static_cast<std::uint32_t>(t);
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  const auto key1 = static_cast<std::uint32_t>(seed);
  const auto key2 = static_cast<std::uint32_t>(seed >> 32);
  constexpr std::int64_t kSegment = std::int64_t{1} << 32;
  at::parallel_for(0, n, 65536, [&](std::int64_t begin, std::int64_t end) {
    while (begin < end) {
      const std::int64_t segment = (begin + first) / kSegment;
      const std::int64_t stop = std::min(end, (segment + 1) * kSegment - first);
      apply_segment(in, out, begin, stop, static_cast<std::uint32_t>(first), threshold, scale, key1,
                    key2 + static_cast<std::uint32_t>(segment) * 0x9E3779B9U);
      begin = stop;
    }
  });
}

bool supported(const torch::Tensor& x) {
  return x.device().is_cpu() &&
         (x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kBFloat16);
}

thread_local std::int64_t t_row_offset = 0;

torch::Tensor masked(const torch::Tensor& x, double p, std::uint64_t seed, std::int64_t first) {
  const auto in = x.contiguous();
  auto out = torch::empty_like(in, at::MemoryFormat::Contiguous);
  if (in.scalar_type() == torch::kBFloat16) {
    static_assert(sizeof(c10::BFloat16) == sizeof(std::uint16_t), "bf16 is 16 bits");
    apply(reinterpret_cast<const std::uint16_t*>(in.data_ptr<c10::BFloat16>()),
          reinterpret_cast<std::uint16_t*>(out.data_ptr<c10::BFloat16>()), in.numel(), p, seed,
          first);
  } else {
    apply(in.data_ptr<float>(), out.data_ptr<float>(), in.numel(), p, seed, first);
  }
  return out;
}

struct CounterDropout : torch::autograd::Function<CounterDropout> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               double p, std::int64_t seed, std::int64_t first) {
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    ctx->saved_data["first"] = first;
    return masked(x, p, static_cast<std::uint64_t>(seed), first);
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const double p = ctx->saved_data["p"].toDouble();
    const auto seed = static_cast<std::uint64_t>(ctx->saved_data["seed"].toInt());
    const auto first = ctx->saved_data["first"].toInt();
    return {masked(grads[0], p, seed, first), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

std::uint64_t draw_seed() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get<at::CPUGeneratorImpl>()->random64();
}

}  // namespace

torch::Tensor counter_dropout(const torch::Tensor& x, double p, std::uint64_t seed,
                              std::int64_t first) {
  TORCH_CHECK(p >= 0.0 && p < 1.0, "dropout probability must be in [0, 1), got ", p);
  TORCH_CHECK(supported(x), "counter_dropout needs a float32 or bfloat16 CPU tensor");
  return CounterDropout::apply(x, p, static_cast<std::int64_t>(seed), first);
}

torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool train) {
  if (!train || p == 0.0) return x;
  if (!supported(x) || p >= 1.0) {
    return torch::dropout(x, p, train);
  }
  const auto rows = x.dim() > 0 ? x.size(0) : 1;
  const auto first = rows > 0 ? t_row_offset * (x.numel() / rows) : 0;
  return counter_dropout(x, p, draw_seed(), first);
}

DropoutRowOffset::DropoutRowOffset(std::int64_t rows) : previous_(t_row_offset) {
  t_row_offset = rows;
}

DropoutRowOffset::~DropoutRowOffset() {
  t_row_offset = previous_;
}

torch::Tensor counter_dropout_mask(std::int64_t numel, double p, std::uint64_t seed) {
  const auto ones = torch::ones({numel});
  return masked(ones, p, seed, 0).ne(0).to(torch::kFloat32);
}

FastDropoutImpl::FastDropoutImpl(double p) : p_(p) {
  TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout probability must be in [0, 1], got ", p);
}

torch::Tensor FastDropoutImpl::forward(const torch::Tensor& x) {
  return fast_dropout(x, p_, is_training());
}

}  // namespace astrom3::model

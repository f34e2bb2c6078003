// A tensor's elements as a std::vector, for the metric and report code that works on plain
// numbers.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <vector>

namespace astrom3 {

/// The elements of `t` in row-major order, converted to T. Any shape, device or dtype; the copy
/// is made on the CPU.
template <typename T>
std::vector<T> tensor_values(const at::Tensor& t) {
  const auto c = t.to(at::Device(at::kCPU), c10::CppTypeToScalarType<T>::value).contiguous();
  const T* first = c.template data_ptr<T>();
  return std::vector<T>(first, first + c.numel());
}

}  // namespace astrom3

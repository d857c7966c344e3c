#include "compiler/quantization.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tml::compiler {

QuantizedMultiplier QuantizeMultiplier(double real_multiplier) {
  QuantizedMultiplier q;
  if (real_multiplier == 0.0) return q;
  int shift = 0;
  const double significand = std::frexp(real_multiplier, &shift);
  auto fixed = static_cast<int64_t>(std::round(significand * static_cast<double>(1LL << 31)));
  if (fixed == (1LL << 31)) {
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    fixed = 0;
  }
  q.multiplier = static_cast<int32_t>(fixed);
  q.shift = shift;
  return q;
}

Result<std::pair<int32_t, int32_t>> QuantizedActivationRange(Activation activation, float scale,
                                                              int32_t zero_point) {
  constexpr int32_t kMin = -128;
  constexpr int32_t kMax = 127;
  // TFLite quantizes the bounds in float: zero_point + round(f / scale).
  auto quantize = [&](float f) { return zero_point + static_cast<int32_t>(std::round(f / scale)); };
  switch (activation) {
    case Activation::kNone: return std::pair{kMin, kMax};
    case Activation::kRelu: return std::pair{std::max(kMin, quantize(0.0f)), kMax};
    case Activation::kRelu6:
      return std::pair{std::max(kMin, quantize(0.0f)), std::min(kMax, quantize(6.0f))};
    case Activation::kReluN1To1:
      return std::pair{std::max(kMin, quantize(-1.0f)), std::min(kMax, quantize(1.0f))};
    default: break;
  }
  return Fail("fused activation TANH/SIGN_BIT is not supported on an int8 op");
}

Result<std::pair<float, float>> FloatActivationRange(Activation activation) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  switch (activation) {
    case Activation::kNone: return std::pair{-kInf, kInf};
    case Activation::kRelu: return std::pair{0.0f, kInf};
    case Activation::kRelu6: return std::pair{0.0f, 6.0f};
    case Activation::kReluN1To1: return std::pair{-1.0f, 1.0f};
    default: break;
  }
  return Fail("fused activation TANH/SIGN_BIT is not supported");
}

int32_t ComputeOutSize(Padding padding, int32_t in_size, int32_t filter_size, int32_t stride,
                       int32_t dilation) {
  const int32_t effective = (filter_size - 1) * dilation + 1;
  if (padding == Padding::kSame) return (in_size + stride - 1) / stride;
  return (in_size - effective + stride) / stride;
}

int32_t ComputePadding(int32_t stride, int32_t dilation, int32_t in_size, int32_t filter_size,
                       int32_t out_size) {
  const int32_t effective = (filter_size - 1) * dilation + 1;
  const int32_t total = (out_size - 1) * stride + effective - in_size;
  return total > 0 ? total / 2 : 0;
}

QuantizedMultiplier PreprocessSoftmaxScaling(double beta, double input_scale, int integer_bits) {
  const double real = std::min(beta * input_scale * static_cast<double>(1 << (31 - integer_bits)),
                               static_cast<double>((1LL << 31) - 1));
  return QuantizeMultiplier(real);
}

int32_t CalculateInputRadius(int integer_bits, int left_shift, int total_signed_bits) {
  const double max_input_rescaled = 1.0 * ((1 << integer_bits) - 1) *
                                    static_cast<double>(1LL << (total_signed_bits - integer_bits)) /
                                    static_cast<double>(1LL << left_shift);
  return static_cast<int32_t>(std::floor(max_input_rescaled));
}

}  // namespace tml::compiler

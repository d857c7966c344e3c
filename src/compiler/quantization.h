#pragma once
// The Prepare-time arithmetic of TFLite's kernels (multipliers, shifts, clamps, padding),
// done in the compiler so the runtime only ever sees integers. Each function matches the
// TFLite function of the same purpose bit for bit, including its use of double vs float.

#include <cstdint>
#include <utility>

#include "compiler/error.h"
#include "compiler/ir.h"

namespace tml::compiler {

/// A real multiplier as Q0.31 significand and power-of-two exponent (TFLite's QuantizeMultiplier).
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;
};

QuantizedMultiplier QuantizeMultiplier(double real_multiplier);

/// Clamp range [min, max] of a fused activation on an int8 output with `scale`/`zero_point`.
Result<std::pair<int32_t, int32_t>> QuantizedActivationRange(Activation activation, float scale,
                                                              int32_t zero_point);
/// Clamp range of a fused activation on a float output.
Result<std::pair<float, float>> FloatActivationRange(Activation activation);

/// Explicit leading padding for one spatial dimension (TFLite's ComputePaddingHeightWidth).
int32_t ComputePadding(int32_t stride, int32_t dilation, int32_t in_size, int32_t filter_size,
                       int32_t out_size);
/// Output size of a convolution/pool along one dimension.
int32_t ComputeOutSize(Padding padding, int32_t in_size, int32_t filter_size, int32_t stride,
                       int32_t dilation);

/// TFLite's PreprocessSoftmaxScaling: beta * input_scale as Q(31-integer_bits) multiplier.
QuantizedMultiplier PreprocessSoftmaxScaling(double beta, double input_scale, int integer_bits);
/// TFLite's CalculateInputRadius.
int32_t CalculateInputRadius(int integer_bits, int left_shift, int total_signed_bits = 31);

}  // namespace tml::compiler

#pragma once
// Element-wise activations: RELU / RELU6 / RELU_N1_TO_1 (one clamp kernel), LOGISTIC, TANH
// and HARD_SWISH, int8 with TFLite's integer algorithms, and float32.
//
// In-place contract (docs/kernels.md): element i is read before it is overwritten.

#include <stdint.h>

#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

/// RELU family: requantize to the output scale, then clamp.
struct ReluParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;
  int32_t shift;
  int32_t act_min;
  int32_t act_max;
  float act_min_f;
  float act_max_f;
};

/// LOGISTIC and TANH int8: input rescaled to Q4.27, gemmlowp fixed-point function.
struct SigmoidParams {
  int32_t input_zero_point;
  int32_t input_range_radius;
  int32_t input_multiplier;
  int32_t input_left_shift;
};

/// HARD_SWISH int8, TFLite's 16-bit fixed-point formulation.
struct HardSwishParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t reluish_multiplier_fixedpoint_int16;
  int32_t reluish_multiplier_exponent;
  int32_t output_multiplier_fixedpoint_int16;
  int32_t output_multiplier_exponent;
};

Status PrepareReluInt8(const OpContext& ctx);
void EvalReluInt8(const OpContext& ctx);
Status PrepareReluFloat(const OpContext& ctx);
void EvalReluFloat(const OpContext& ctx);
Status PrepareLogisticInt8(const OpContext& ctx);
void EvalLogisticInt8(const OpContext& ctx);
Status PrepareTanhInt8(const OpContext& ctx);
void EvalTanhInt8(const OpContext& ctx);
Status PrepareHardSwishInt8(const OpContext& ctx);
void EvalHardSwishInt8(const OpContext& ctx);
/// Shared Prepare of the float element-wise functions (no parameters).
Status PrepareUnaryFloat(const OpContext& ctx);
void EvalLogisticFloat(const OpContext& ctx);
void EvalTanhFloat(const OpContext& ctx);
void EvalHardSwishFloat(const OpContext& ctx);

}  // namespace tml

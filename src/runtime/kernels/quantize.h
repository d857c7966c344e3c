#pragma once
// QUANTIZE (float32 -> int8, int8 -> int8 requantization) and DEQUANTIZE (int8 -> float32).

#include <stdint.h>

#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

struct QuantizeParams {
  float output_scale;        ///< float -> int8
  int32_t output_zero_point;
  int32_t input_zero_point;  ///< requantize and dequantize
  int32_t multiplier;        ///< requantize: input scale / output scale
  int32_t shift;
  double input_scale;        ///< dequantize, as TFLite keeps it: in double
};

Status PrepareQuantize(const OpContext& ctx);
void EvalQuantize(const OpContext& ctx);
Status PrepareRequantize(const OpContext& ctx);
void EvalRequantize(const OpContext& ctx);
Status PrepareDequantize(const OpContext& ctx);
void EvalDequantize(const OpContext& ctx);

}  // namespace tml

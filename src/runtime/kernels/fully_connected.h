#pragma once
// FULLY_CONNECTED: output[b, o] = sum_i input[b, i] * filter[o, i] + bias[o].
// Inputs: input (any shape, flattened to [batches, depth]), filter [units, depth], bias
// (optional), and for int8 the per-unit multiplier and shift vectors.

#include <stdint.h>

#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

struct FullyConnectedParams {
  int32_t input_offset;   ///< -input zero point
  int32_t filter_offset;  ///< -filter zero point
  int32_t output_offset;  ///< output zero point
  int32_t act_min;
  int32_t act_max;
  float act_min_f;
  float act_max_f;
};

Status PrepareFullyConnectedInt8(const OpContext& ctx);
void EvalFullyConnectedInt8(const OpContext& ctx);
Status PrepareFullyConnectedFloat(const OpContext& ctx);
void EvalFullyConnectedFloat(const OpContext& ctx);

}  // namespace tml

#pragma once
// ADD and MUL with NumPy-style broadcasting up to rank 6, int8 and float32.
// The compiler extends both input shapes to rank 6 and writes element strides (0 on a
// broadcast dimension), so Eval is one loop nest for every shape.
//
// In-place contract (docs/kernels.md): element i of each input is read before output
// element i is written, in increasing i.

#include <stdint.h>

#include "runtime/plan_format.h"
#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

struct BinaryParams {
  int32_t out_dims[kMaxRank];     ///< output shape extended to rank 6 (leading 1s)
  int32_t in1_strides[kMaxRank];  ///< element stride of input 1 per output dim (0 = broadcast)
  int32_t in2_strides[kMaxRank];
  int32_t input1_offset;  ///< -zero point (int8)
  int32_t input2_offset;
  int32_t output_offset;
  int32_t left_shift;     ///< ADD: inputs are shifted left before rescaling
  int32_t input1_multiplier;
  int32_t input1_shift;
  int32_t input2_multiplier;
  int32_t input2_shift;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t act_min;
  int32_t act_max;
  float act_min_f;
  float act_max_f;
};

Status PrepareAddInt8(const OpContext& ctx);
Status PrepareMulInt8(const OpContext& ctx);
Status PrepareBinaryFloat(const OpContext& ctx);
void EvalAddInt8(const OpContext& ctx);
void EvalAddFloat(const OpContext& ctx);
void EvalMulInt8(const OpContext& ctx);
void EvalMulFloat(const OpContext& ctx);

}  // namespace tml

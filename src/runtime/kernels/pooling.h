#pragma once
// AVERAGE_POOL_2D and MAX_POOL_2D over NHWC tensors, int8 and float32.
//
// In-place contract (docs/kernels.md): output rows are written in increasing order, and
// while row oy is written only input rows >= oy * stride - pad are read.

#include <stdint.h>

#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

struct PoolParams {
  int32_t stride_w;
  int32_t stride_h;
  int32_t filter_w;
  int32_t filter_h;
  int32_t pad_w;
  int32_t pad_h;
  int32_t act_min;
  int32_t act_max;
  float act_min_f;
  float act_max_f;
};

Status PreparePoolInt8(const OpContext& ctx);
Status PreparePoolFloat(const OpContext& ctx);
void EvalAveragePoolInt8(const OpContext& ctx);
void EvalAveragePoolFloat(const OpContext& ctx);
void EvalMaxPoolInt8(const OpContext& ctx);
void EvalMaxPoolFloat(const OpContext& ctx);

}  // namespace tml

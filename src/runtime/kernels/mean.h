#pragma once
// MEAN over any set of axes (up to rank 6), int8 and float32.

#include <stdint.h>

#include "runtime/plan_format.h"
#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

struct MeanParams {
  int32_t in_dims[kMaxRank];  ///< input shape extended to rank 6
  int32_t reduce[kMaxRank];   ///< 1 where the axis is reduced
  int32_t input_zero_point;   ///< int8
  int32_t output_zero_point;
  int32_t multiplier;         ///< input scale / output scale
  int32_t shift;
};

Status PrepareMeanInt8(const OpContext& ctx);
void EvalMeanInt8(const OpContext& ctx);
Status PrepareMeanFloat(const OpContext& ctx);
void EvalMeanFloat(const OpContext& ctx);

}  // namespace tml

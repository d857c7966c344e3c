#pragma once
// SOFTMAX over the last dimension. int8 uses TFLite's fixed-point exp and reciprocal
// (output scale 1/256, zero point -128); float32 uses expf.

#include <stdint.h>

#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

struct SoftmaxParams {
  int32_t input_multiplier;  ///< beta * input scale in Q5.26, as TFLite's PreprocessSoftmaxScaling
  int32_t input_left_shift;
  int32_t diff_min;          ///< input differences below this contribute exp() = 0
  float beta;                ///< float32 only
};

Status PrepareSoftmaxInt8(const OpContext& ctx);
void EvalSoftmaxInt8(const OpContext& ctx);
Status PrepareSoftmaxFloat(const OpContext& ctx);
void EvalSoftmaxFloat(const OpContext& ctx);

}  // namespace tml

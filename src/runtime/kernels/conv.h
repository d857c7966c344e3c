#pragma once
// CONV_2D and DEPTHWISE_CONV_2D (NHWC input, OHWI / 1HWC filters), int8 per-channel and float32.
// Inputs: input, filter, bias (optional), and for int8 the per-channel multiplier and shift
// vectors that the compiler precomputed exactly as TFLite's Prepare does.
//
// In-place contract (docs/kernels.md): output rows are written in increasing order, and
// while row oy is written only input rows >= oy * stride - pad are read.

#include <stdint.h>

#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

/// Parameters of a convolution; the compiler resolves padding to explicit offsets.
struct ConvParams {
  int32_t stride_w;
  int32_t stride_h;
  int32_t dilation_w;
  int32_t dilation_h;
  int32_t pad_w;          ///< left padding
  int32_t pad_h;          ///< top padding
  int32_t depth_multiplier;  ///< depthwise only
  int32_t input_offset;   ///< -input zero point (int8)
  int32_t output_offset;  ///< output zero point (int8)
  int32_t act_min;        ///< quantized clamp (int8)
  int32_t act_max;
  float act_min_f;        ///< float clamp (float32)
  float act_max_f;
};

Status PrepareConv2DInt8(const OpContext& ctx);
void EvalConv2DInt8(const OpContext& ctx);
Status PrepareConv2DFloat(const OpContext& ctx);
void EvalConv2DFloat(const OpContext& ctx);
Status PrepareDepthwiseInt8(const OpContext& ctx);
void EvalDepthwiseInt8(const OpContext& ctx);
Status PrepareDepthwiseFloat(const OpContext& ctx);
void EvalDepthwiseFloat(const OpContext& ctx);

}  // namespace tml

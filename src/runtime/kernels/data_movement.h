#pragma once
// Kernels that only move bytes, for any element type: RESHAPE (when it cannot be an alias),
// CONCATENATION, PAD, and the strided gather behind TRANSPOSE and STRIDED_SLICE.

#include <stdint.h>

#include "runtime/plan_format.h"
#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml {

struct ConcatenationParams {
  int32_t axis;  ///< in [0, rank)
};

struct PadParams {
  int32_t rank;
  int32_t before[kMaxRank];
  int32_t after[kMaxRank];
  uint32_t pad_bits;  ///< the pad element's bytes (int8 zero point, or float 0.0f)
};

/// out[i0..i5] = in[base + sum_d i_d * in_strides[d]]: a transpose or a strided slice.
struct GatherParams {
  int32_t out_dims[kMaxRank];
  int32_t in_strides[kMaxRank];  ///< element strides, may be negative
  int32_t base;                  ///< element index of out[0]
};

Status PrepareCopy(const OpContext& ctx);
void EvalCopy(const OpContext& ctx);
Status PrepareConcatenation(const OpContext& ctx);
void EvalConcatenation(const OpContext& ctx);
Status PreparePad(const OpContext& ctx);
void EvalPad(const OpContext& ctx);
Status PrepareTranspose(const OpContext& ctx);
void EvalTranspose(const OpContext& ctx);
Status PrepareStridedSlice(const OpContext& ctx);
void EvalStridedSlice(const OpContext& ctx);

}  // namespace tml

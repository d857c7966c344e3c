#pragma once
// Checks shared by kernels' Prepare functions. Prepare runs once per op when a plan is
// loaded; it must reject anything that would make Eval read or write out of bounds.

#include "runtime/status.h"
#include "runtime/tensor_view.h"

namespace tml::prepare {

/// The op has between min_inputs and max_inputs inputs (trailing ones may be absent) and
/// exactly `outputs` outputs, and its params blob is exactly a P.
template <typename P>
inline bool Signature(const OpContext& ctx, int min_inputs, int max_inputs, int outputs) {
  if (ctx.num_inputs < min_inputs || ctx.num_inputs > max_inputs) return false;
  if (ctx.num_outputs != outputs) return false;
  for (int i = 0; i < min_inputs; ++i) {
    if (!ctx.input(i).present()) return false;
  }
  return ctx.params_bytes == sizeof(P) && ctx.params != nullptr;
}

/// No-parameter variant of Signature.
inline bool SignatureNoParams(const OpContext& ctx, int min_inputs, int max_inputs, int outputs) {
  if (ctx.num_inputs < min_inputs || ctx.num_inputs > max_inputs) return false;
  if (ctx.num_outputs != outputs) return false;
  for (int i = 0; i < min_inputs; ++i) {
    if (!ctx.input(i).present()) return false;
  }
  return true;
}

inline bool Is(const TensorView& t, DType type) { return t.present() && t.type() == type; }

inline bool Is(const TensorView& t, DType type, int rank) { return Is(t, type) && t.rank() == rank; }

inline bool SameShape(const TensorView& a, const TensorView& b) {
  if (a.rank() != b.rank()) return false;
  for (int i = 0; i < a.rank(); ++i) {
    if (a.dim(i) != b.dim(i)) return false;
  }
  return true;
}

/// A per-channel int32 vector (bias, multiplier, shift) with exactly `channels` entries.
inline bool IsChannelVector(const TensorView& t, int32_t channels) {
  return Is(t, DType::kInt32) && t.count() == channels;
}

inline Status Check(bool ok) { return ok ? Status::kOk : Status::kBadParams; }

}  // namespace tml::prepare

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

/// A shift that MultiplyByQuantizedMultiplier can apply without undefined behaviour.
inline bool ShiftOk(int32_t shift) { return shift >= -31 && shift <= 30; }

/// Per-channel requantization vectors: non-negative multipliers, valid shifts. Needs the
/// constant data, which Plan::Load provides to Prepare.
inline bool RequantVectorsOk(const TensorView& multipliers, const TensorView& shifts) {
  if (multipliers.data == nullptr || shifts.data == nullptr) return false;
  for (int32_t i = 0; i < shifts.count(); ++i) {
    if (!ShiftOk(shifts.as<int32_t>()[i]) || multipliers.as<int32_t>()[i] < 0) return false;
  }
  return true;
}

/// Window geometry whose index arithmetic cannot overflow int32: strides, dilations and
/// pads in sane ranges and the furthest input coordinate representable.
inline bool WindowOk(int32_t in_size, int32_t out_size, int32_t filter, int32_t stride, int32_t dilation,
                     int32_t pad) {
  constexpr int64_t kLimit = int64_t{1} << 30;
  if (stride < 1 || stride > 65536 || dilation < 1 || dilation > 65536 || pad < 0 || pad > 65536) return false;
  if (filter < 1 || in_size < 1 || out_size < 1) return false;
  const int64_t reach = int64_t{out_size - 1} * stride + int64_t{filter - 1} * dilation;
  return reach < kLimit && int64_t{in_size} + pad < kLimit;
}

inline Status Check(bool ok) { return ok ? Status::kOk : Status::kBadParams; }

}  // namespace tml::prepare

#include "runtime/kernels/quantize.h"

#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/internal/quantized_math.h"

namespace tml {
namespace {

Status Prepare(const OpContext& ctx, DType from, DType to) {
  using namespace prepare;
  if (!Signature<QuantizeParams>(ctx, 1, 1, 1)) return Status::kBadParams;
  return Check(Is(ctx.input(0), from) && Is(ctx.output(0), to) &&
               ctx.input(0).count() == ctx.output(0).count());
}

}  // namespace

Status PrepareQuantize(const OpContext& ctx) {
  const Status status = Prepare(ctx, DType::kFloat32, DType::kInt8);
  if (status != Status::kOk) return status;
  return prepare::Check(ctx.param<QuantizeParams>().output_scale > 0.0f);
}
Status PrepareRequantize(const OpContext& ctx) {
  const Status status = Prepare(ctx, DType::kInt8, DType::kInt8);
  if (status != Status::kOk) return status;
  return prepare::Check(prepare::ShiftOk(ctx.param<QuantizeParams>().shift));
}
Status PrepareDequantize(const OpContext& ctx) {
  return Prepare(ctx, DType::kInt8, DType::kFloat32);
}

void EvalQuantize(const OpContext& ctx) {
  const QuantizeParams& p = ctx.param<QuantizeParams>();
  const float* in = ctx.input(0).as<float>();
  int8_t* out = ctx.output(0).as<int8_t>();
  const int32_t n = ctx.input(0).count();
  for (int32_t i = 0; i < n; ++i) {
    const float q = __builtin_roundf(in[i] / p.output_scale);
    // Saturate in float first: converting an out-of-range float to int is undefined.
    const float clamped = qmath::Min(qmath::Max(q, -2147483648.0f), 2147483520.0f);
    const int32_t v = static_cast<int32_t>(clamped) + p.output_zero_point;
    out[i] = static_cast<int8_t>(qmath::Clamp(v, -128, 127));
  }
}

void EvalRequantize(const OpContext& ctx) {
  const QuantizeParams& p = ctx.param<QuantizeParams>();
  const int8_t* in = ctx.input(0).as<int8_t>();
  int8_t* out = ctx.output(0).as<int8_t>();
  const int32_t n = ctx.input(0).count();
  for (int32_t i = 0; i < n; ++i) {
    const int32_t v = qmath::MultiplyByQuantizedMultiplier(in[i] - p.input_zero_point,
                                                           p.multiplier, p.shift) +
                      p.output_zero_point;
    out[i] = static_cast<int8_t>(qmath::Clamp(v, -128, 127));
  }
}

void EvalDequantize(const OpContext& ctx) {
  const QuantizeParams& p = ctx.param<QuantizeParams>();
  const int8_t* in = ctx.input(0).as<int8_t>();
  float* out = ctx.output(0).as<float>();
  const int32_t n = ctx.input(0).count();
  for (int32_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>(p.input_scale * (in[i] - p.input_zero_point));
  }
}

}  // namespace tml

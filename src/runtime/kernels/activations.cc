#include "runtime/kernels/activations.h"

#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/internal/quantized_math.h"

namespace tml {
namespace {

template <typename P>
Status PrepareUnary(const OpContext& ctx, DType type) {
  using namespace prepare;
  if (!Signature<P>(ctx, 1, 1, 1)) return Status::kBadParams;
  return Check(Is(ctx.input(0), type) && Is(ctx.output(0), type) &&
               ctx.input(0).count() == ctx.output(0).count());
}

constexpr int kSigmoidInputIntegerBits = 4;

}  // namespace

Status PrepareUnaryFloat(const OpContext& ctx) {
  using namespace prepare;
  if (!SignatureNoParams(ctx, 1, 1, 1)) return Status::kBadParams;
  return Check(Is(ctx.input(0), DType::kFloat32) && Is(ctx.output(0), DType::kFloat32) &&
               ctx.input(0).count() == ctx.output(0).count());
}

Status PrepareReluInt8(const OpContext& ctx) {
  const Status status = PrepareUnary<ReluParams>(ctx, DType::kInt8);
  if (status != Status::kOk) return status;
  return prepare::Check(prepare::ShiftOk(ctx.param<ReluParams>().shift));
}
Status PrepareReluFloat(const OpContext& ctx) {
  return PrepareUnary<ReluParams>(ctx, DType::kFloat32);
}

void EvalReluInt8(const OpContext& ctx) {
  const ReluParams& p = ctx.param<ReluParams>();
  const int8_t* in = ctx.input(0).as<int8_t>();
  int8_t* out = ctx.output(0).as<int8_t>();
  const int32_t n = ctx.input(0).count();
  for (int32_t i = 0; i < n; ++i) {
    const int32_t v = p.output_zero_point + qmath::MultiplyByQuantizedMultiplier(
                                                in[i] - p.input_zero_point, p.multiplier, p.shift);
    out[i] = static_cast<int8_t>(qmath::Clamp(v, p.act_min, p.act_max));
  }
}

void EvalReluFloat(const OpContext& ctx) {
  const ReluParams& p = ctx.param<ReluParams>();
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int32_t n = ctx.input(0).count();
  for (int32_t i = 0; i < n; ++i) out[i] = qmath::Min(qmath::Max(in[i], p.act_min_f), p.act_max_f);
}

Status PrepareLogisticInt8(const OpContext& ctx) {
  const Status status = PrepareUnary<SigmoidParams>(ctx, DType::kInt8);
  if (status != Status::kOk) return status;
  const int32_t shift = ctx.param<SigmoidParams>().input_left_shift;
  return prepare::Check(prepare::ShiftOk(shift));
}

Status PrepareTanhInt8(const OpContext& ctx) { return PrepareLogisticInt8(ctx); }

namespace {

/// LOGISTIC and TANH int8: saturate outside the input radius, else rescale the input to
/// Q4.27, apply the fixed-point function and round to the output scale (2^-out_bits).
template <int32_t (*Function)(int32_t, int), int OutFractionBits, int32_t OutZeroPoint>
void EvalSigmoidInt8(const OpContext& ctx) {
  const SigmoidParams& p = ctx.param<SigmoidParams>();
  const int8_t* in = ctx.input(0).as<int8_t>();
  int8_t* out = ctx.output(0).as<int8_t>();
  const int32_t n = ctx.input(0).count();
  for (int32_t i = 0; i < n; ++i) {
    const int32_t x = in[i] - p.input_zero_point;
    if (x <= -p.input_range_radius) {
      out[i] = -128;
    } else if (x >= p.input_range_radius) {
      out[i] = 127;
    } else {
      const int32_t x_q4 = qmath::MultiplyByQuantizedMultiplier(x, p.input_multiplier, p.input_left_shift);
      const int32_t y_q0 = Function(x_q4, kSigmoidInputIntegerBits);
      const int32_t y = qmath::RoundingDivideByPOT(y_q0, 31 - OutFractionBits) + OutZeroPoint;
      out[i] = static_cast<int8_t>(qmath::Clamp(y, -128, 127));
    }
  }
}

}  // namespace

void EvalLogisticInt8(const OpContext& ctx) { EvalSigmoidInt8<qmath::Logistic, 8, -128>(ctx); }
void EvalTanhInt8(const OpContext& ctx) { EvalSigmoidInt8<qmath::Tanh, 7, 0>(ctx); }

Status PrepareHardSwishInt8(const OpContext& ctx) {
  const Status status = PrepareUnary<HardSwishParams>(ctx, DType::kInt8);
  if (status != Status::kOk) return status;
  const HardSwishParams& p = ctx.param<HardSwishParams>();
  return prepare::Check(p.output_multiplier_exponent <= 0 && p.output_multiplier_exponent > -16 &&
                        p.reluish_multiplier_exponent > -16 && p.reluish_multiplier_exponent < 16);
}

void EvalHardSwishInt8(const OpContext& ctx) {
  const HardSwishParams& p = ctx.param<HardSwishParams>();
  const int8_t* in = ctx.input(0).as<int8_t>();
  int8_t* out = ctx.output(0).as<int8_t>();
  const int32_t n = ctx.input(0).count();
  const auto out_mul = static_cast<int16_t>(p.output_multiplier_fixedpoint_int16);
  const auto reluish_mul = static_cast<int16_t>(p.reluish_multiplier_fixedpoint_int16);
  for (int32_t i = 0; i < n; ++i) {
    const auto x = static_cast<int16_t>(in[i] - p.input_zero_point);
    const auto x_hires = static_cast<int16_t>(x * (1 << 7));
    const int16_t x_preshift_out = qmath::SaturatingRoundingDoublingHighMul16(x_hires, out_mul);
    // Map x from [-3, 3] to [-1, 1] in Q0.15, saturating; the last left-shift bit is applied
    // after the multiply so that saturation there, not before, decides the result.
    int16_t reluish = x_hires;
    if (p.reluish_multiplier_exponent > 0) {
      reluish = qmath::SaturatingLeftShift16(reluish, p.reluish_multiplier_exponent - 1);
    }
    reluish = qmath::SaturatingRoundingDoublingHighMul16(reluish, reluish_mul);
    if (p.reluish_multiplier_exponent > 0) reluish = qmath::SaturatingLeftShift16(reluish, 1);
    if (p.reluish_multiplier_exponent < 0) {
      reluish = qmath::RoundingDivideByPOT16(reluish, -p.reluish_multiplier_exponent);
    }
    reluish = static_cast<int16_t>((int32_t{reluish} + (1 << 15)) >> 1);  // [-1, 1] -> [0, 1]
    const int16_t preshift = qmath::SaturatingDoublingHighMul16(reluish, x_preshift_out);
    int32_t y = qmath::RoundingDivideByPOT16(preshift, -p.output_multiplier_exponent);
    y += p.output_zero_point;
    out[i] = static_cast<int8_t>(qmath::Clamp(y, -128, 127));
  }
}

void EvalLogisticFloat(const OpContext& ctx) {
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int32_t n = ctx.input(0).count();
  for (int32_t i = 0; i < n; ++i) out[i] = 1.0f / (1.0f + __builtin_expf(-in[i]));
}

void EvalTanhFloat(const OpContext& ctx) {
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int32_t n = ctx.input(0).count();
  for (int32_t i = 0; i < n; ++i) out[i] = __builtin_tanhf(in[i]);
}

void EvalHardSwishFloat(const OpContext& ctx) {
  const float* in = ctx.input(0).as<float>();
  float* out = ctx.output(0).as<float>();
  const int32_t n = ctx.input(0).count();
  for (int32_t i = 0; i < n; ++i) {
    const float x = in[i];
    out[i] = x * qmath::Min(6.0f, qmath::Max(0.0f, x + 3.0f)) / 6.0f;
  }
}

}  // namespace tml

// RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH, HARD_SWISH.
#include <cmath>
#include <limits>

#include "compiler/lowering/op_lowering.h"
#include "compiler/quantization.h"
#include "runtime/kernels/activations.h"

namespace tml::compiler {
namespace {

Result<ElementType> CheckUnary(OpLowering& op) {
  if (auto r = op.ExpectArity(1, 1, 1); !r) return tl::unexpected(r.error());
  auto type = op.FloatOrInt8();
  if (!type) return type;
  if (op.input(0).element_count() != op.output().element_count()) return op.Fail("input and output sizes differ");
  return type;
}

/// TFLite's int16 down-scaling of a Q0.31 multiplier.
int32_t DownScaleInt32ToInt16Multiplier(int32_t multiplier) {
  constexpr int32_t kRoundingOffset = 1 << 15;
  if (multiplier >= std::numeric_limits<int32_t>::max() - kRoundingOffset) return 32767;
  return (multiplier + kRoundingOffset) >> 16;
}

}  // namespace

LowerResult LowerRelu(OpLowering& op) {
  auto type = CheckUnary(op);
  if (!type) return tl::unexpected(type.error());
  const int32_t code = op.op().builtin_code;
  const float lo = code == builtin::kReluN1To1 ? -1.0f : 0.0f;
  const float hi = code == builtin::kRelu6 ? 6.0f : code == builtin::kReluN1To1 ? 1.0f
                                                   : std::numeric_limits<float>::infinity();
  ReluParams p{};
  p.act_min_f = lo;
  p.act_max_f = hi;
  if (*type == ElementType::kFloat32) return std::vector{ElementwiseOp(op, op.Make(KernelId::kReluFloat, {op.input_id(0)}, p))};
  auto r = op.InputToOutputRequantization();
  if (!r) return tl::unexpected(r.error());
  r->ApplyTo(p);
  // TFLite quantizes the clamp bounds in float.
  p.act_min = std::max(-128, r->output_zero_point + static_cast<int32_t>(std::round(lo / r->output_scale)));
  p.act_max = std::isinf(hi) ? 127
                             : std::min(127, r->output_zero_point + static_cast<int32_t>(std::round(hi / r->output_scale)));
  return std::vector{ElementwiseOp(op, op.Make(KernelId::kReluInt8, {op.input_id(0)}, p))};
}

LowerResult LowerLogisticTanh(OpLowering& op) {
  auto type = CheckUnary(op);
  if (!type) return tl::unexpected(type.error());
  const bool logistic = op.op().builtin_code == builtin::kLogistic;
  if (*type == ElementType::kFloat32) {
    return std::vector{ElementwiseOp(op, op.MakeNoParams(logistic ? KernelId::kLogisticFloat : KernelId::kTanhFloat, {op.input_id(0)}))};
  }
  auto in_q = op.PerTensorQuant(op.input_id(0));
  if (!in_q) return tl::unexpected(in_q.error());
  auto out_q = op.PerTensorQuant(op.output_id(0));
  if (!out_q) return tl::unexpected(out_q.error());
  if (logistic && (out_q->first != 1.0f / 256 || out_q->second != -128)) {
    return op.FailTensor(op.output_id(0), "int8 LOGISTIC output must have scale 1/256 and zero point -128");
  }
  if (!logistic && (out_q->first != 1.0f / 128 || out_q->second != 0)) {
    return op.FailTensor(op.output_id(0), "int8 TANH output must have scale 1/128 and zero point 0");
  }
  constexpr int kInputIntegerBits = 4;
  const double real = static_cast<double>(in_q->first) * static_cast<double>(1 << (31 - kInputIntegerBits));
  int left_shift = 0;
  const double q = std::frexp(real, &left_shift);
  if (left_shift < 0 || left_shift > 30) return op.FailTensor(op.input_id(0), "input scale is out of the supported range");
  SigmoidParams p{};
  p.input_zero_point = in_q->second;
  p.input_multiplier = static_cast<int32_t>(std::min(std::round(q * static_cast<double>(1LL << 31)), 2147483647.0));
  p.input_left_shift = left_shift;
  p.input_range_radius = CalculateInputRadius(kInputIntegerBits, left_shift);
  return std::vector{ElementwiseOp(op, op.Make(logistic ? KernelId::kLogisticInt8 : KernelId::kTanhInt8, {op.input_id(0)}, p))};
}

LowerResult LowerHardSwish(OpLowering& op) {
  auto type = CheckUnary(op);
  if (!type) return tl::unexpected(type.error());
  if (*type == ElementType::kFloat32) {
    return std::vector{ElementwiseOp(op, op.MakeNoParams(KernelId::kHardSwishFloat, {op.input_id(0)}))};
  }
  auto in_q = op.PerTensorQuant(op.input_id(0));
  if (!in_q) return tl::unexpected(in_q.error());
  auto out_q = op.PerTensorQuant(op.output_id(0));
  if (!out_q) return tl::unexpected(out_q.error());
  // TFLite computes these ratios in float, then widens to double.
  const float hires_input_scale = (1.0f / 128.0f) * in_q->first;
  const float reluish_scale = 3.0f / 32768.0f;
  const QuantizedMultiplier out_m = QuantizeMultiplier(static_cast<double>(hires_input_scale / out_q->first));
  const QuantizedMultiplier reluish_m = QuantizeMultiplier(static_cast<double>(hires_input_scale / reluish_scale));
  if (out_m.shift > 0 || out_m.shift <= -16 || reluish_m.shift <= -16 || reluish_m.shift >= 16) {
    return op.FailTensor(op.output_id(0), "input/output scales are outside the range int8 HARD_SWISH supports");
  }
  HardSwishParams p{};
  p.input_zero_point = in_q->second;
  p.output_zero_point = out_q->second;
  p.output_multiplier_fixedpoint_int16 = DownScaleInt32ToInt16Multiplier(out_m.multiplier);
  p.output_multiplier_exponent = out_m.shift;
  p.reluish_multiplier_fixedpoint_int16 = DownScaleInt32ToInt16Multiplier(reluish_m.multiplier);
  p.reluish_multiplier_exponent = reluish_m.shift;
  return std::vector{ElementwiseOp(op, op.Make(KernelId::kHardSwishInt8, {op.input_id(0)}, p))};
}

}  // namespace tml::compiler

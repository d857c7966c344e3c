// SOFTMAX.
#include <cmath>

#include "compiler/lowering/op_lowering.h"
#include "compiler/quantization.h"
#include "runtime/kernels/softmax.h"

namespace tml::compiler {

LowerResult LowerSoftmax(OpLowering& op) {
  if (auto r = op.ExpectArity(1, 1, 1); !r) return tl::unexpected(r.error());
  auto type = op.FloatOrInt8();
  if (!type) return tl::unexpected(type.error());
  if (op.input(0).shape != op.output().shape || op.input(0).shape.empty()) {
    return op.FailTensor(op.output_id(0), "shape must equal the input shape (rank >= 1)");
  }
  SoftmaxParams p{};
  p.beta = op.options().beta;
  if (*type == ElementType::kFloat32) {
    return std::vector{ElementwiseOp(op, op.Make(KernelId::kSoftmaxFloat, {op.input_id(0)}, p))};
  }
  auto in_q = op.PerTensorQuant(op.input_id(0));
  if (!in_q) return tl::unexpected(in_q.error());
  auto out_q = op.PerTensorQuant(op.output_id(0));
  if (!out_q) return tl::unexpected(out_q.error());
  if (out_q->second != -128 || out_q->first != 1.0f / 256) {
    return op.FailTensor(op.output_id(0), "int8 softmax output must have scale 1/256 and zero point -128");
  }
  constexpr int kScaledDiffIntegerBits = 5;
  const QuantizedMultiplier m = PreprocessSoftmaxScaling(static_cast<double>(op.options().beta),
                                                         static_cast<double>(in_q->first),
                                                         kScaledDiffIntegerBits);
  if (m.shift < 0 || m.shift > 30) return op.Fail("input scale x beta is outside the range int8 SOFTMAX supports");
  p.input_multiplier = m.multiplier;
  p.input_left_shift = m.shift;
  p.diff_min = -CalculateInputRadius(kScaledDiffIntegerBits, m.shift);
  return std::vector{ElementwiseOp(op, op.Make(KernelId::kSoftmaxInt8, {op.input_id(0)}, p))};
}

}  // namespace tml::compiler

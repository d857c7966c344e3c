// QUANTIZE and DEQUANTIZE.
#include "compiler/lowering/op_lowering.h"
#include "compiler/quantization.h"
#include "runtime/kernels/quantize.h"

namespace tml::compiler {

LowerResult LowerQuantize(OpLowering& op) {
  if (auto r = op.ExpectArity(1, 1, 1); !r) return tl::unexpected(r.error());
  if (auto r = op.ExpectType(op.output_id(0), ElementType::kInt8); !r) return tl::unexpected(r.error());
  if (op.input(0).element_count() != op.output().element_count()) return op.Fail("input and output sizes differ");
  auto out_q = op.PerTensorQuant(op.output_id(0));
  if (!out_q) return tl::unexpected(out_q.error());
  QuantizeParams p{};
  p.output_scale = out_q->first;
  p.output_zero_point = out_q->second;
  if (op.input(0).type == ElementType::kFloat32) {
    return std::vector{ElementwiseOp(op, op.Make(KernelId::kQuantizeFloatToInt8, {op.input_id(0)}, p))};
  }
  if (op.input(0).type != ElementType::kInt8) {
    return op.FailTensor(op.input_id(0), "QUANTIZE from this type is not supported (float32 or int8)");
  }
  auto r = op.InputToOutputRequantization();
  if (!r) return tl::unexpected(r.error());
  r->ApplyTo(p);
  return std::vector{ElementwiseOp(op, op.Make(KernelId::kRequantizeInt8, {op.input_id(0)}, p))};
}

LowerResult LowerDequantize(OpLowering& op) {
  if (auto r = op.ExpectArity(1, 1, 1); !r) return tl::unexpected(r.error());
  if (auto r = op.ExpectType(op.input_id(0), ElementType::kInt8); !r) return tl::unexpected(r.error());
  if (auto r = op.ExpectType(op.output_id(0), ElementType::kFloat32); !r) return tl::unexpected(r.error());
  if (op.input(0).element_count() != op.output().element_count()) return op.Fail("input and output sizes differ");
  auto in_q = op.PerTensorQuant(op.input_id(0));
  if (!in_q) return tl::unexpected(in_q.error());
  QuantizeParams p{};
  p.input_zero_point = in_q->second;
  p.input_scale = static_cast<double>(in_q->first);
  return std::vector{ElementwiseOp(op, op.Make(KernelId::kDequantizeInt8, {op.input_id(0)}, p))};
}

}  // namespace tml::compiler

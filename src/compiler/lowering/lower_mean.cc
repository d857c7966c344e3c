// MEAN.
#include "compiler/lowering/op_lowering.h"
#include "compiler/quantization.h"
#include "runtime/kernels/mean.h"

namespace tml::compiler {

LowerResult LowerMean(OpLowering& op) {
  if (auto r = op.ExpectArity(2, 2, 1); !r) return tl::unexpected(r.error());
  auto type = op.FloatOrInt8();
  if (!type) return tl::unexpected(type.error());
  auto axes = op.ConstantInts(1);
  if (!axes) return tl::unexpected(axes.error());
  const auto& in = op.input(0).shape;
  const size_t pad = kMaxRank - in.size();
  MeanParams p{};
  int64_t out_count = 1;
  for (size_t d = 0; d < kMaxRank; ++d) p.in_dims[d] = d < pad ? 1 : in[d - pad];
  for (int64_t axis : *axes) {
    if (axis < 0) axis += static_cast<int64_t>(in.size());
    if (axis < 0 || axis >= static_cast<int64_t>(in.size())) {
      return op.FailTensor(op.input_id(1), "axis " + std::to_string(axis) + " is out of range");
    }
    p.reduce[pad + axis] = 1;
  }
  for (size_t d = 0; d < kMaxRank; ++d) {
    if (!p.reduce[d]) out_count *= p.in_dims[d];
  }
  if (out_count != op.output().element_count()) {
    return op.FailTensor(op.output_id(0), "element count does not match the reduced input");
  }
  if (*type == ElementType::kFloat32) return std::vector{op.Make(KernelId::kMeanFloat, {op.input_id(0)}, p)};
  auto in_q = op.PerTensorQuant(op.input_id(0));
  if (!in_q) return tl::unexpected(in_q.error());
  auto out_q = op.PerTensorQuant(op.output_id(0));
  if (!out_q) return tl::unexpected(out_q.error());
  auto m_or = op.Multiplier(static_cast<double>(in_q->first) / static_cast<double>(out_q->first));
  if (!m_or) return tl::unexpected(m_or.error());
  const QuantizedMultiplier m = *m_or;
  p.input_zero_point = in_q->second;
  p.output_zero_point = out_q->second;
  p.multiplier = m.multiplier;
  p.shift = m.shift;
  return std::vector{op.Make(KernelId::kMeanInt8, {op.input_id(0)}, p)};
}

}  // namespace tml::compiler

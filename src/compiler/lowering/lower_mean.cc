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
  auto r = op.InputToOutputRequantization();
  if (!r) return tl::unexpected(r.error());
  r->ApplyTo(p);
  return std::vector{op.Make(KernelId::kMeanInt8, {op.input_id(0)}, p)};
}

}  // namespace tml::compiler

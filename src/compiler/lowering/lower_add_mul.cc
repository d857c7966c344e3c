// ADD and MUL with broadcasting.
#include <algorithm>

#include "compiler/lowering/op_lowering.h"
#include "compiler/quantization.h"
#include "runtime/kernels/elementwise_binary.h"

namespace tml::compiler {
namespace {

/// Broadcast shapes of both inputs to rank 6; fills dims and strides, or fails.
Result<void> Broadcast(OpLowering& op, BinaryParams& p) {
  const auto& a = op.input(0).shape;
  const auto& b = op.input(1).shape;
  const auto& out = op.output().shape;
  if (out.size() > kMaxRank) return op.FailTensor(op.output_id(0), "rank above 6");
  auto extend = [](const std::vector<int32_t>& s) {
    std::vector<int32_t> e(kMaxRank - s.size(), 1);
    e.insert(e.end(), s.begin(), s.end());
    return e;
  };
  const auto ea = extend(a), eb = extend(b), eo = extend(out);
  int32_t stride_a = 1, stride_b = 1;
  for (int d = kMaxRank - 1; d >= 0; --d) {
    const int32_t want = std::max(ea[d], eb[d]);
    if ((ea[d] != want && ea[d] != 1) || (eb[d] != want && eb[d] != 1) || eo[d] != want) {
      return op.Fail("input shapes cannot be broadcast to the output shape");
    }
    p.out_dims[d] = want;
    p.in1_strides[d] = ea[d] == 1 ? 0 : stride_a;
    p.in2_strides[d] = eb[d] == 1 ? 0 : stride_b;
    stride_a *= ea[d];
    stride_b *= eb[d];
  }
  return {};
}

/// Element-wise: an operand with the output's full shape may be overwritten.
LoweredOp WithInPlace(OpLowering& op, LoweredOp lowered) {
  for (int32_t k = 0; k < 2; ++k) {
    if (op.input(k).shape == op.output().shape && ElementwiseInPlace(op.input(k), op.output())) {
      (lowered.inplace_input < 0 ? lowered.inplace_input : lowered.inplace_input2) = k;
    }
  }
  return lowered;
}

}  // namespace

LowerResult LowerAddMul(OpLowering& op) {
  if (auto r = op.ExpectArity(2, 2, 1); !r) return tl::unexpected(r.error());
  auto type = op.FloatOrInt8();
  if (!type) return tl::unexpected(type.error());
  if (auto r = op.ExpectType(op.input_id(1), *type); !r) return tl::unexpected(r.error());
  BinaryParams p{};
  if (auto r = Broadcast(op, p); !r) return tl::unexpected(r.error());
  const bool is_add = op.op().builtin_code == builtin::kAdd;
  if (*type == ElementType::kFloat32) {
    auto range = FloatActivationRange(op.options().activation);
    if (!range) return op.Fail(range.error().message);
    p.act_min_f = range->first;
    p.act_max_f = range->second;
    return std::vector{WithInPlace(op, op.Make(is_add ? KernelId::kAddFloat : KernelId::kMulFloat,
                               {op.input_id(0), op.input_id(1)}, p))};
  }
  auto q1 = op.PerTensorQuant(op.input_id(0));
  if (!q1) return tl::unexpected(q1.error());
  auto q2 = op.PerTensorQuant(op.input_id(1));
  if (!q2) return tl::unexpected(q2.error());
  auto qo = op.PerTensorQuant(op.output_id(0));
  if (!qo) return tl::unexpected(qo.error());
  auto range = QuantizedActivationRange(op.options().activation, qo->first, qo->second);
  if (!range) return op.Fail(range.error().message);
  p.input1_offset = -q1->second;
  p.input2_offset = -q2->second;
  p.output_offset = qo->second;
  p.act_min = range->first;
  p.act_max = range->second;
  if (is_add) {
    // TFLite's int8 ADD: both inputs rescaled to twice the larger input scale, 20 bits up.
    p.left_shift = 20;
    const double twice_max = 2.0 * static_cast<double>(std::max(q1->first, q2->first));
    auto m1 = op.Multiplier(static_cast<double>(q1->first) / twice_max);
    auto m2 = op.Multiplier(static_cast<double>(q2->first) / twice_max);
    auto mo = op.Multiplier(twice_max / ((1 << p.left_shift) * static_cast<double>(qo->first)));
    if (!m1 || !m2 || !mo) return tl::unexpected(!m1 ? m1.error() : !m2 ? m2.error() : mo.error());
    p.input1_multiplier = m1->multiplier;
    p.input1_shift = m1->shift;
    p.input2_multiplier = m2->multiplier;
    p.input2_shift = m2->shift;
    p.output_multiplier = mo->multiplier;
    p.output_shift = mo->shift;
    return std::vector{WithInPlace(op, op.Make(KernelId::kAddInt8, {op.input_id(0), op.input_id(1)}, p))};
  }
  auto mo = op.Multiplier(static_cast<double>(q1->first) * static_cast<double>(q2->first) /
                          static_cast<double>(qo->first));
  if (!mo) return tl::unexpected(mo.error());
  p.output_multiplier = mo->multiplier;
  p.output_shift = mo->shift;
  return std::vector{WithInPlace(op, op.Make(KernelId::kMulInt8, {op.input_id(0), op.input_id(1)}, p,
                             static_cast<uint64_t>(op.output().element_count())))};
}

}  // namespace tml::compiler

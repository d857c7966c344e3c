// Ops that only rearrange data: RESHAPE/SQUEEZE/EXPAND_DIMS, CONCATENATION, PAD, TRANSPOSE,
// STRIDED_SLICE.
#include <algorithm>

#include "compiler/lowering/op_lowering.h"
#include "runtime/kernels/data_movement.h"

namespace tml::compiler {
namespace {

Result<void> ExpectSameQuant(OpLowering& op, int32_t a, int32_t b) {
  const Tensor& ta = op.graph().tensors[a];
  const Tensor& tb = op.graph().tensors[b];
  if (ta.type != tb.type) return op.FailTensor(b, "type differs from " + TensorLabel(op.graph(), a));
  if (ta.type == ElementType::kInt8 &&
      (ta.quant.scale != tb.quant.scale || ta.quant.zero_point != tb.quant.zero_point)) {
    return op.FailTensor(b, "scale/zero point differ from " + TensorLabel(op.graph(), a) +
                                "; this op cannot requantize exactly");
  }
  return {};
}

Result<DType> PlanType(OpLowering& op, int32_t id) {
  if (auto type = ToPlanType(op.graph().tensors[id].type)) return *type;
  return op.FailTensor(id, std::string("type ") + ElementTypeName(op.graph().tensors[id].type) +
                               " cannot be stored in a plan");
}

/// Extends `dims` to rank 6 with leading 1s and fills `strides` (0 for the added dims).
void RowMajorStrides(const std::vector<int32_t>& dims, int32_t* strides) {
  int32_t stride = 1;
  for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= dims[d];
  }
}

LoweredOp MakeGather(OpLowering& op, KernelId kernel, const std::vector<int32_t>& out_dims,
                     const std::vector<int32_t>& in_strides, int32_t base) {
  GatherParams p{};
  const size_t pad = kMaxRank - out_dims.size();
  for (size_t d = 0; d < kMaxRank; ++d) {
    p.out_dims[d] = d < pad ? 1 : out_dims[d - pad];
    p.in_strides[d] = d < pad ? 0 : in_strides[d - pad];
  }
  p.base = base;
  return op.Make(kernel, {op.input_id(0)}, p);
}

}  // namespace

LowerResult LowerReshape(OpLowering& op) {
  if (auto r = op.ExpectArity(1, 2, 1); !r) return tl::unexpected(r.error());
  if (op.input(0).element_count() != op.output().element_count()) {
    return op.FailTensor(op.output_id(0), "has " + std::to_string(op.output().element_count()) +
                                              " elements but the input has " +
                                              std::to_string(op.input(0).element_count()));
  }
  if (op.input(0).type != op.output().type) return op.FailTensor(op.output_id(0), "type differs from the input");
  if (op.input(0).is_constant) {
    // Fold: the output becomes a constant with the input's bytes.
    Tensor& out = op.graph().tensors[op.output_id(0)];
    out.is_constant = true;
    out.data = op.input(0).data;
    return std::vector<LoweredOp>{};
  }
  op.AddAlias(op.output_id(0), op.input_id(0));
  return std::vector<LoweredOp>{};
}

LowerResult LowerConcatenation(OpLowering& op) {
  if (op.num_inputs() < 1 || op.num_inputs() > 14) return op.Fail("needs 1..14 inputs");
  if (auto r = op.ExpectArity(op.num_inputs(), op.num_inputs(), 1); !r) return tl::unexpected(r.error());
  const int32_t rank = static_cast<int32_t>(op.output().shape.size());
  int32_t axis = op.options().axis;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return op.Fail("axis " + std::to_string(op.options().axis) + " is out of range");
  if (op.options().activation != Activation::kNone) return op.Fail("fused activation on CONCATENATION is not supported");
  std::vector<int32_t> inputs;
  for (size_t i = 0; i < op.num_inputs(); ++i) {
    if (auto r = ExpectSameQuant(op, op.output_id(0), op.input_id(i)); !r) return tl::unexpected(r.error());
    if (op.input(i).shape.size() != static_cast<size_t>(rank)) return op.FailTensor(op.input_id(i), "rank differs from the output");
    inputs.push_back(op.input_id(i));
  }
  if (auto t = PlanType(op, op.output_id(0)); !t) return tl::unexpected(t.error());
  return std::vector{op.Make(KernelId::kConcatenation, inputs, ConcatenationParams{axis})};
}

LowerResult LowerPad(OpLowering& op) {
  if (auto r = op.ExpectArity(2, 2, 1); !r) return tl::unexpected(r.error());
  if (auto r = ExpectSameQuant(op, op.input_id(0), op.output_id(0)); !r) return tl::unexpected(r.error());
  auto paddings = op.ConstantInts(1);
  if (!paddings) return tl::unexpected(paddings.error());
  const auto& in = op.input(0).shape;
  if (paddings->size() != in.size() * 2) return op.FailTensor(op.input_id(1), "must have shape [rank, 2]");
  PadParams p{};
  p.rank = static_cast<int32_t>(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    const int64_t before = (*paddings)[2 * d], after = (*paddings)[2 * d + 1];
    if (before < 0 || after < 0 || in[d] + before + after != op.output().shape[d]) {
      return op.FailTensor(op.input_id(1), "paddings do not turn the input shape into the output shape");
    }
    p.before[d] = static_cast<int32_t>(before);
    p.after[d] = static_cast<int32_t>(after);
  }
  if (op.input(0).type == ElementType::kInt8) {
    const auto zp = static_cast<int8_t>(op.output().quant.present() ? op.output().quant.zero_point[0] : 0);
    std::memcpy(&p.pad_bits, &zp, 1);
  }
  if (auto t = PlanType(op, op.output_id(0)); !t) return tl::unexpected(t.error());
  return std::vector{op.Make(KernelId::kPad, {op.input_id(0)}, p)};
}

LowerResult LowerTranspose(OpLowering& op) {
  if (auto r = op.ExpectArity(2, 2, 1); !r) return tl::unexpected(r.error());
  if (auto r = ExpectSameQuant(op, op.input_id(0), op.output_id(0)); !r) return tl::unexpected(r.error());
  auto perm = op.ConstantInts(1);
  if (!perm) return tl::unexpected(perm.error());
  const auto& in = op.input(0).shape;
  if (perm->size() != in.size()) return op.FailTensor(op.input_id(1), "permutation length differs from the input rank");
  int32_t in_strides[kMaxRank];
  RowMajorStrides(in, in_strides);
  std::vector<int32_t> out_dims, strides;
  std::vector<bool> seen(in.size(), false);
  for (int64_t axis : *perm) {
    if (axis < 0 || axis >= static_cast<int64_t>(in.size()) || seen[axis]) {
      return op.FailTensor(op.input_id(1), "is not a permutation");
    }
    seen[axis] = true;
    out_dims.push_back(in[axis]);
    strides.push_back(in_strides[axis]);
  }
  if (out_dims != op.output().shape) return op.FailTensor(op.output_id(0), "shape does not match the permuted input");
  if (auto t = PlanType(op, op.output_id(0)); !t) return tl::unexpected(t.error());
  return std::vector{MakeGather(op, KernelId::kTranspose, out_dims, strides, 0)};
}

LowerResult LowerStridedSlice(OpLowering& op) {
  if (auto r = op.ExpectArity(4, 4, 1); !r) return tl::unexpected(r.error());
  if (auto r = ExpectSameQuant(op, op.input_id(0), op.output_id(0)); !r) return tl::unexpected(r.error());
  const OpOptions& o = op.options();
  if (o.ellipsis_mask != 0 || o.new_axis_mask != 0) return op.Fail("ellipsis and new-axis masks are not supported");
  auto begin = op.ConstantInts(1);
  auto end = op.ConstantInts(2);
  auto strides = op.ConstantInts(3);
  if (!begin) return tl::unexpected(begin.error());
  if (!end) return tl::unexpected(end.error());
  if (!strides) return tl::unexpected(strides.error());
  const auto& in = op.input(0).shape;
  const size_t rank = in.size();
  if (begin->size() != rank || end->size() != rank || strides->size() != rank) {
    return op.Fail("begin, end and strides must each have one entry per input dimension");
  }
  int32_t in_strides[kMaxRank];
  RowMajorStrides(in, in_strides);
  std::vector<int32_t> out_dims, gather_strides, kept_dims;
  int64_t base = 0;
  for (size_t d = 0; d < rank; ++d) {
    const int64_t dim = in[d];
    const int64_t s = (*strides)[d];
    if (s == 0) return op.FailTensor(op.input_id(3), "stride 0 in dimension " + std::to_string(d));
    const bool shrink = (o.shrink_axis_mask >> d) & 1;
    auto resolve = [&](int64_t v, bool masked_begin, bool masked_end) {
      if (masked_begin) return s > 0 ? int64_t{0} : dim - 1;
      if (masked_end) return s > 0 ? dim : int64_t{-1};
      if (v < 0) v += dim;
      return s > 0 ? std::clamp<int64_t>(v, 0, dim) : std::clamp<int64_t>(v, -1, dim - 1);
    };
    const int64_t b = resolve((*begin)[d], !shrink && ((o.begin_mask >> d) & 1), false);
    int64_t e = o.slice_offset ? b + (*end)[d] : resolve((*end)[d], false, !shrink && ((o.end_mask >> d) & 1));
    if (shrink) e = b + 1;
    const int64_t count = s > 0 ? (e - b + s - 1) / s : (b - e + (-s) - 1) / (-s);
    if (count <= 0 || b < 0 || b >= dim) return op.Fail("slice of dimension " + std::to_string(d) + " is empty");
    base += b * in_strides[d];
    out_dims.push_back(static_cast<int32_t>(count));
    gather_strides.push_back(static_cast<int32_t>(s * in_strides[d]));
    if (!shrink) kept_dims.push_back(static_cast<int32_t>(count));
  }
  if (kept_dims != op.output().shape) return op.FailTensor(op.output_id(0), "shape does not match the slice");
  if (auto t = PlanType(op, op.output_id(0)); !t) return tl::unexpected(t.error());
  return std::vector{MakeGather(op, KernelId::kStridedSlice, out_dims, gather_strides,
                                static_cast<int32_t>(base))};
}

}  // namespace tml::compiler

// AVERAGE_POOL_2D and MAX_POOL_2D.
#include "compiler/lowering/op_lowering.h"
#include "compiler/quantization.h"
#include "runtime/kernels/internal/prepare_util.h"
#include "runtime/kernels/pooling.h"

namespace tml::compiler {

LowerResult LowerPool(OpLowering& op) {
  if (auto r = op.ExpectArity(1, 1, 1); !r) return tl::unexpected(r.error());
  auto type = op.FloatOrInt8();
  if (!type) return tl::unexpected(type.error());
  if (auto r = op.ExpectRank(op.input_id(0), 4); !r) return tl::unexpected(r.error());
  if (auto r = op.ExpectRank(op.output_id(0), 4); !r) return tl::unexpected(r.error());
  const OpOptions& o = op.options();
  if (o.stride_w < 1 || o.stride_h < 1 || o.filter_w < 1 || o.filter_h < 1) {
    return op.Fail("strides and filter sizes must be >= 1");
  }
  const auto& in = op.input(0).shape;
  const auto& out = op.output().shape;
  const std::vector<int32_t> expected = {in[0], ComputeOutSize(o.padding, in[1], o.filter_h, o.stride_h, 1),
                                         ComputeOutSize(o.padding, in[2], o.filter_w, o.stride_w, 1), in[3]};
  if (out != expected) {
    return op.FailTensor(op.output_id(0), "shape does not match the pooled input shape");
  }
  PoolParams params{};
  params.stride_w = o.stride_w;
  params.stride_h = o.stride_h;
  params.filter_w = o.filter_w;
  params.filter_h = o.filter_h;
  params.pad_h = ComputePadding(o.stride_h, 1, in[1], o.filter_h, out[1]);
  params.pad_w = ComputePadding(o.stride_w, 1, in[2], o.filter_w, out[2]);
  if (!prepare::WindowOk(in[1], out[1], o.filter_h, o.stride_h, 1, params.pad_h) ||
      !prepare::WindowOk(in[2], out[2], o.filter_w, o.stride_w, 1, params.pad_w)) {
    return op.Fail("strides, filter size or padding exceed the runtime's limits (65536)");
  }
  const bool average = op.op().builtin_code == builtin::kAveragePool2D;
  if (*type == ElementType::kInt8) {
    auto in_q = op.PerTensorQuant(op.input_id(0));
    if (!in_q) return tl::unexpected(in_q.error());
    auto out_q = op.PerTensorQuant(op.output_id(0));
    if (!out_q) return tl::unexpected(out_q.error());
    if (in_q->first != out_q->first || in_q->second != out_q->second) {
      return op.FailTensor(op.output_id(0), "int8 pooling needs the same scale and zero point on input and output");
    }
    auto range = QuantizedActivationRange(o.activation, out_q->first, out_q->second);
    if (!range) return op.Fail(range.error().message);
    params.act_min = range->first;
    params.act_max = range->second;
    const KernelId kernel = average ? KernelId::kAveragePool2DInt8 : KernelId::kMaxPool2DInt8;
    return std::vector{RowStreamingOp(op, op.Make(kernel, {op.input_id(0)}, params), params.stride_h, params.pad_h)};
  }
  auto range = FloatActivationRange(o.activation);
  if (!range) return op.Fail(range.error().message);
  params.act_min_f = range->first;
  params.act_max_f = range->second;
  const KernelId kernel = average ? KernelId::kAveragePool2DFloat : KernelId::kMaxPool2DFloat;
  return std::vector{RowStreamingOp(op, op.Make(kernel, {op.input_id(0)}, params), params.stride_h, params.pad_h)};
}

}  // namespace tml::compiler

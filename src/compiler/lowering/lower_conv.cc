// CONV_2D and DEPTHWISE_CONV_2D.
#include "compiler/lowering/op_lowering.h"
#include "compiler/quantization.h"
#include "runtime/kernels/conv.h"
#include "runtime/kernels/internal/prepare_util.h"

namespace tml::compiler {
namespace {

std::string ShapeString(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Checks shared by both convolutions; fills geometry fields of `params`.
Result<ElementType> CheckConv(OpLowering& op, int32_t filter_h, int32_t filter_w, int32_t out_c,
                              ConvParams& params) {
  if (auto r = op.ExpectArity(2, 3, 1); !r) return tl::unexpected(r.error());
  auto type = op.FloatOrInt8();
  if (!type) return type;
  if (auto r = op.ExpectType(op.input_id(1), *type); !r) {
    if (op.input(1).type == ElementType::kInt8 && *type == ElementType::kFloat32) {
      return op.FailTensor(op.input_id(1), "int8 weights on a float op (hybrid) must be constant");
    }
    return tl::unexpected(r.error());
  }
  for (int32_t id : {op.input_id(0), op.input_id(1), op.output_id(0)}) {
    if (auto r = op.ExpectRank(id, 4); !r) return tl::unexpected(r.error());
  }
  if (auto r = op.ExpectConstant(1); !r) return tl::unexpected(r.error());
  const OpOptions& o = op.options();
  if (o.stride_w < 1 || o.stride_h < 1 || o.dilation_w < 1 || o.dilation_h < 1) {
    return op.Fail("strides and dilations must be >= 1");
  }
  const auto& in = op.input(0).shape;
  const auto& out = op.output().shape;
  const std::vector<int32_t> expected = {
      in[0], ComputeOutSize(o.padding, in[1], filter_h, o.stride_h, o.dilation_h),
      ComputeOutSize(o.padding, in[2], filter_w, o.stride_w, o.dilation_w), out_c};
  if (out != expected) {
    return op.FailTensor(op.output_id(0), "shape " + ShapeString(out) + " does not match " +
                                              ShapeString(expected) +
                                              " computed from input, filter, strides and padding");
  }
  params.stride_w = o.stride_w;
  params.stride_h = o.stride_h;
  params.dilation_w = o.dilation_w;
  params.dilation_h = o.dilation_h;
  params.pad_h = ComputePadding(o.stride_h, o.dilation_h, in[1], filter_h, out[1]);
  params.pad_w = ComputePadding(o.stride_w, o.dilation_w, in[2], filter_w, out[2]);
  // The runtime's own limits, so that every plan we write is one it accepts.
  if (!prepare::WindowOk(in[1], out[1], filter_h, o.stride_h, o.dilation_h, params.pad_h) ||
      !prepare::WindowOk(in[2], out[2], filter_w, o.stride_w, o.dilation_w, params.pad_w)) {
    return op.Fail("strides, dilations or padding exceed the runtime's limits (65536)");
  }
  if (op.has_input(2)) {
    const ElementType bias_type = *type == ElementType::kInt8 ? ElementType::kInt32 : ElementType::kFloat32;
    if (auto r = op.ExpectType(op.input_id(2), bias_type); !r) return tl::unexpected(r.error());
    if (auto r = op.ExpectConstant(2); !r) return tl::unexpected(r.error());
    if (op.input(2).element_count() != out_c) {
      return op.FailTensor(op.input_id(2), "has " + std::to_string(op.input(2).element_count()) +
                                               " elements, expected one per output channel (" +
                                               std::to_string(out_c) + ")");
    }
  }
  return type;
}

/// Fills the int8 fields and appends multiplier/shift inputs. `axis` = filter's channel axis.
Result<void> QuantizeConv(OpLowering& op, int32_t out_c, int32_t axis, ConvParams& params,
                          std::vector<int32_t>& inputs) {
  auto in_q = op.PerTensorQuant(op.input_id(0));
  if (!in_q) return tl::unexpected(in_q.error());
  auto out_q = op.PerTensorQuant(op.output_id(0));
  if (!out_q) return tl::unexpected(out_q.error());
  const Quantization& fq = op.input(1).quant;
  if (!fq.present()) return op.FailTensor(op.input_id(1), "int8 filter has no quantization parameters");
  if (fq.per_channel() && (fq.axis != axis || static_cast<int32_t>(fq.scale.size()) != out_c)) {
    return op.FailTensor(op.input_id(1), "per-channel quantization must be along the output channel axis " +
                                             std::to_string(axis));
  }
  for (int64_t zp : fq.zero_point) {
    if (zp != 0) {
      return op.FailTensor(op.input_id(1), "filter zero point " + std::to_string(zp) +
                                               " is not 0; int8 convolution needs symmetric weights");
    }
  }
  auto range = QuantizedActivationRange(op.options().activation, out_q->first, out_q->second);
  if (!range) return op.Fail(range.error().message);
  params.input_offset = -in_q->second;
  params.output_offset = out_q->second;
  params.act_min = range->first;
  params.act_max = range->second;
  auto vectors = op.AddRequantVectors(in_q->first, fq.scale, out_c, out_q->first);
  if (!vectors) return tl::unexpected(vectors.error());
  inputs.push_back(vectors->first);
  inputs.push_back(vectors->second);
  return {};
}

Result<void> FloatRange(OpLowering& op, ConvParams& params) {
  auto range = FloatActivationRange(op.options().activation);
  if (!range) return op.Fail(range.error().message);
  params.act_min_f = range->first;
  params.act_max_f = range->second;
  return {};
}

}  // namespace

LowerResult LowerConv2D(OpLowering& op) {
  if (op.num_inputs() < 2 || !op.has_input(1) || op.input(1).shape.size() != 4) {
    if (auto r = op.ExpectArity(2, 3, 1); !r) return tl::unexpected(r.error());
    return op.FailTensor(op.input_id(1), "filter must have rank 4 (OHWI)");
  }
  const auto& filter = op.input(1).shape;
  ConvParams params{};
  params.depth_multiplier = 1;
  auto type = CheckConv(op, filter[1], filter[2], filter[0], params);
  if (!type) return tl::unexpected(type.error());
  const int32_t in_c = op.input(0).shape[3];
  if (in_c % filter[3] != 0 || filter[0] % (in_c / filter[3]) != 0) {
    return op.FailTensor(op.input_id(1), "input channels " + std::to_string(in_c) +
                                             " are not a multiple of the filter's " + std::to_string(filter[3]));
  }
  std::vector<int32_t> inputs = {op.input_id(0), op.input_id(1), op.has_input(2) ? op.input_id(2) : -1};
  if (*type == ElementType::kInt8) {
    if (auto r = QuantizeConv(op, filter[0], 0, params, inputs); !r) return tl::unexpected(r.error());
  } else if (auto r = FloatRange(op, params); !r) {
    return tl::unexpected(r.error());
  }
  const uint64_t macs = static_cast<uint64_t>(op.output().element_count()) * filter[1] * filter[2] * filter[3];
  const KernelId kernel = *type == ElementType::kInt8 ? KernelId::kConv2DInt8 : KernelId::kConv2DFloat;
  return std::vector{RowStreamingOp(op, op.Make(kernel, inputs, params, macs), params.stride_h, params.pad_h)};
}

LowerResult LowerDepthwiseConv2D(OpLowering& op) {
  if (op.num_inputs() < 2 || !op.has_input(1) || op.input(1).shape.size() != 4) {
    if (auto r = op.ExpectArity(2, 3, 1); !r) return tl::unexpected(r.error());
    return op.FailTensor(op.input_id(1), "filter must have rank 4 (1HWC)");
  }
  const auto& filter = op.input(1).shape;
  ConvParams params{};
  auto type = CheckConv(op, filter[1], filter[2], filter[3], params);
  if (!type) return tl::unexpected(type.error());
  const int32_t in_c = op.input(0).shape[3];
  if (filter[0] != 1 || filter[3] % in_c != 0) {
    return op.FailTensor(op.input_id(1), "filter shape must be [1, H, W, input channels * depth multiplier]");
  }
  params.depth_multiplier = filter[3] / in_c;
  std::vector<int32_t> inputs = {op.input_id(0), op.input_id(1), op.has_input(2) ? op.input_id(2) : -1};
  if (*type == ElementType::kInt8) {
    if (auto r = QuantizeConv(op, filter[3], 3, params, inputs); !r) return tl::unexpected(r.error());
  } else if (auto r = FloatRange(op, params); !r) {
    return tl::unexpected(r.error());
  }
  const uint64_t macs = static_cast<uint64_t>(op.output().element_count()) * filter[1] * filter[2];
  const KernelId kernel =
      *type == ElementType::kInt8 ? KernelId::kDepthwiseConv2DInt8 : KernelId::kDepthwiseConv2DFloat;
  return std::vector{RowStreamingOp(op, op.Make(kernel, inputs, params, macs), params.stride_h, params.pad_h)};
}

}  // namespace tml::compiler

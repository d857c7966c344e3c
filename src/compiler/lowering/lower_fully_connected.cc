// FULLY_CONNECTED.
#include "compiler/lowering/op_lowering.h"
#include "compiler/quantization.h"
#include "runtime/kernels/fully_connected.h"

namespace tml::compiler {

LowerResult LowerFullyConnected(OpLowering& op) {
  if (auto r = op.ExpectArity(2, 3, 1); !r) return tl::unexpected(r.error());
  auto type = op.FloatOrInt8();
  if (!type) return tl::unexpected(type.error());
  if (op.input(1).type != *type) {
    if (op.input(1).type == ElementType::kInt8 && *type == ElementType::kFloat32) {
      return op.FailTensor(op.input_id(1), "int8 weights on a float op (hybrid) must be constant");
    }
    return op.FailTensor(op.input_id(1), "weights type differs from the input type");
  }
  if (auto r = op.ExpectRank(op.input_id(1), 2); !r) return tl::unexpected(r.error());
  if (auto r = op.ExpectConstant(1); !r) return tl::unexpected(r.error());
  const int32_t units = op.input(1).shape[0];
  const int32_t depth = op.input(1).shape[1];
  const int64_t in_count = op.input(0).element_count();
  if (in_count % depth != 0) {
    return op.FailTensor(op.input_id(0), std::to_string(in_count) +
                                             " elements are not a multiple of the weights' depth " +
                                             std::to_string(depth));
  }
  const int64_t batches = in_count / depth;
  if (op.output().element_count() != batches * units) {
    return op.FailTensor(op.output_id(0), "has " + std::to_string(op.output().element_count()) +
                                              " elements, expected batches x units = " +
                                              std::to_string(batches * units));
  }
  if (op.has_input(2)) {
    const ElementType bias_type = *type == ElementType::kInt8 ? ElementType::kInt32 : ElementType::kFloat32;
    if (auto r = op.ExpectType(op.input_id(2), bias_type); !r) return tl::unexpected(r.error());
    if (auto r = op.ExpectConstant(2); !r) return tl::unexpected(r.error());
    if (op.input(2).element_count() != units) {
      return op.FailTensor(op.input_id(2), "bias must have one element per unit (" + std::to_string(units) + ")");
    }
  }
  FullyConnectedParams params{};
  std::vector<int32_t> inputs = {op.input_id(0), op.input_id(1), op.has_input(2) ? op.input_id(2) : -1};
  if (*type == ElementType::kInt8) {
    auto in_q = op.PerTensorQuant(op.input_id(0));
    if (!in_q) return tl::unexpected(in_q.error());
    auto out_q = op.PerTensorQuant(op.output_id(0));
    if (!out_q) return tl::unexpected(out_q.error());
    const Quantization& fq = op.input(1).quant;
    if (!fq.present()) return op.FailTensor(op.input_id(1), "int8 weights have no quantization parameters");
    if (fq.per_channel() && fq.axis != 0) {
      return op.FailTensor(op.input_id(1), "per-channel quantization must be along axis 0 (units)");
    }
    if (fq.per_channel()) {
      for (int64_t zp : fq.zero_point) {
        if (zp != 0) return op.FailTensor(op.input_id(1), "per-channel weights must have zero point 0");
      }
    }
    const int64_t filter_zp = fq.zero_point[0];
    if (filter_zp < -128 || filter_zp > 127) return op.FailTensor(op.input_id(1), "zero point outside int8");
    auto range = QuantizedActivationRange(op.options().activation, out_q->first, out_q->second);
    if (!range) return op.Fail(range.error().message);
    params.input_offset = -in_q->second;
    params.filter_offset = -static_cast<int32_t>(filter_zp);
    params.output_offset = out_q->second;
    params.act_min = range->first;
    params.act_max = range->second;
    auto vectors = op.AddRequantVectors(in_q->first, fq.scale, units, out_q->first);
    if (!vectors) return tl::unexpected(vectors.error());
    inputs.push_back(vectors->first);
    inputs.push_back(vectors->second);
  } else {
    auto range = FloatActivationRange(op.options().activation);
    if (!range) return op.Fail(range.error().message);
    params.act_min_f = range->first;
    params.act_max_f = range->second;
  }
  const uint64_t macs = static_cast<uint64_t>(batches) * units * depth;
  const KernelId kernel =
      *type == ElementType::kInt8 ? KernelId::kFullyConnectedInt8 : KernelId::kFullyConnectedFloat;
  return std::vector{op.Make(kernel, inputs, params, macs)};
}

}  // namespace tml::compiler

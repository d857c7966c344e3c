#include "compiler/lowering/op_lowering.h"

#include "compiler/quantization.h"

#include <algorithm>

namespace tml::compiler {

tl::unexpected<Error> OpLowering::Fail(const std::string& reason) const {
  return tl::unexpected<Error>(Error{OpLabel(op_) + ": " + reason});
}

tl::unexpected<Error> OpLowering::FailTensor(int32_t tensor_id, const std::string& reason) const {
  return tl::unexpected<Error>(Error{OpLabel(op_) + ": " + TensorLabel(graph_, tensor_id) + ": " + reason});
}

Result<void> OpLowering::ExpectArity(size_t min_inputs, size_t max_inputs, size_t outputs) const {
  if (op_.inputs.size() < min_inputs || op_.inputs.size() > max_inputs) {
    return Fail("has " + std::to_string(op_.inputs.size()) + " inputs, expected " +
                std::to_string(min_inputs) +
                (max_inputs != min_inputs ? ".." + std::to_string(max_inputs) : ""));
  }
  for (size_t i = 0; i < min_inputs; ++i) {
    if (op_.inputs[i] < 0) return Fail("required input " + std::to_string(i) + " is absent");
  }
  if (op_.outputs.size() != outputs) {
    return Fail("has " + std::to_string(op_.outputs.size()) + " outputs, expected " +
                std::to_string(outputs));
  }
  return {};
}

Result<void> OpLowering::ExpectType(int32_t tensor_id, ElementType type) const {
  const Tensor& t = graph_.tensors[tensor_id];
  if (t.type != type) {
    return FailTensor(tensor_id, std::string("type is ") + ElementTypeName(t.type) + ", expected " +
                                     ElementTypeName(type));
  }
  return {};
}

Result<void> OpLowering::ExpectRank(int32_t tensor_id, size_t rank) const {
  const Tensor& t = graph_.tensors[tensor_id];
  if (t.shape.size() != rank) {
    return FailTensor(tensor_id, "rank is " + std::to_string(t.shape.size()) + ", expected " +
                                     std::to_string(rank));
  }
  return {};
}

Result<void> OpLowering::ExpectConstant(size_t i) const {
  if (!input(i).is_constant) return FailTensor(input_id(i), "must be a constant tensor");
  return {};
}

Result<std::pair<float, int32_t>> OpLowering::PerTensorQuant(int32_t tensor_id) const {
  const Tensor& t = graph_.tensors[tensor_id];
  if (!t.quant.present()) return FailTensor(tensor_id, "int8 tensor has no quantization parameters");
  if (t.quant.per_channel()) {
    return FailTensor(tensor_id, "per-channel quantization is not supported here");
  }
  const int64_t zp = t.quant.zero_point[0];
  if (zp < -128 || zp > 127) {
    return FailTensor(tensor_id, "zero point " + std::to_string(zp) + " is outside int8");
  }
  return std::pair{t.quant.scale[0], static_cast<int32_t>(zp)};
}

Result<ElementType> OpLowering::FloatOrInt8() const {
  const ElementType type = input(0).type;
  if (type != ElementType::kFloat32 && type != ElementType::kInt8) {
    return FailTensor(input_id(0), std::string("type ") + ElementTypeName(type) +
                                       " is not supported (float32 or int8)");
  }
  if (auto r = ExpectType(output_id(0), type); !r) return tl::unexpected(r.error());
  return type;
}

Result<std::vector<int64_t>> OpLowering::ConstantInts(size_t i) const {
  if (auto r = ExpectConstant(i); !r) return tl::unexpected(r.error());
  const Tensor& t = input(i);
  std::vector<int64_t> values;
  if (t.type == ElementType::kInt32) {
    for (int64_t k = 0; k < t.element_count(); ++k) values.push_back(t.values<int32_t>()[k]);
  } else if (t.type == ElementType::kInt64) {
    for (int64_t k = 0; k < t.element_count(); ++k) values.push_back(t.values<int64_t>()[k]);
  } else {
    return FailTensor(input_id(i), "must be an int32 or int64 constant");
  }
  return values;
}

int32_t OpLowering::AddInt32Constant(const std::string& name, const std::vector<int32_t>& values) {
  Tensor t;
  t.name = name;
  t.type = ElementType::kInt32;
  t.shape = {static_cast<int32_t>(values.size())};
  t.is_constant = true;
  t.data.resize(values.size() * 4);
  std::memcpy(t.data.data(), values.data(), t.data.size());
  graph_.tensors.push_back(std::move(t));
  return static_cast<int32_t>(graph_.tensors.size() - 1);
}

Result<QuantizedMultiplier> OpLowering::Multiplier(double real) const {
  const QuantizedMultiplier q = QuantizeMultiplier(real);
  if (q.shift > 30 || !(real >= 0.0)) {
    return Fail("requantization factor " + std::to_string(real) +
                " is outside what int8 arithmetic can represent (check the tensor scales)");
  }
  return q;
}

Result<OpLowering::Requantization> OpLowering::InputToOutputRequantization() const {
  auto in_q = PerTensorQuant(input_id(0));
  if (!in_q) return tl::unexpected(in_q.error());
  auto out_q = PerTensorQuant(output_id(0));
  if (!out_q) return tl::unexpected(out_q.error());
  auto ratio = Multiplier(static_cast<double>(in_q->first) / static_cast<double>(out_q->first));
  if (!ratio) return tl::unexpected(ratio.error());
  return Requantization{in_q->first, in_q->second, out_q->first, out_q->second, *ratio};
}

Result<std::pair<int32_t, int32_t>> OpLowering::AddRequantVectors(float input_scale,
                                                                 const std::vector<float>& filter_scales,
                                                                 int32_t channels, float output_scale) {
  std::vector<int32_t> multipliers(channels);
  std::vector<int32_t> shifts(channels);
  for (int32_t c = 0; c < channels; ++c) {
    const float filter_scale = filter_scales.size() == 1 ? filter_scales[0] : filter_scales[c];
    const double real = static_cast<double>(input_scale) * static_cast<double>(filter_scale) /
                        static_cast<double>(output_scale);
    auto q = Multiplier(real);
    if (!q) return tl::unexpected(q.error());
    multipliers[c] = q->multiplier;
    shifts[c] = q->shift;
  }
  const std::string base = output().name.empty() ? "op" + std::to_string(op_.source_index) : output().name;
  const int32_t m = AddInt32Constant(base + "/multiplier", multipliers);
  const int32_t s = AddInt32Constant(base + "/shift", shifts);
  return std::pair{m, s};
}

LoweredOp OpLowering::MakeNoParams(KernelId kernel, std::vector<int32_t> inputs) const {
  LoweredOp lowered;
  lowered.kernel = kernel;
  lowered.inputs = std::move(inputs);
  lowered.outputs = op_.outputs;
  lowered.source_index = op_.source_index;
  return lowered;
}

LoweredOp RowStreamingOp(const OpLowering& op, LoweredOp lowered, int32_t stride_h, int32_t pad_h) {
  const Tensor& input = op.input(0);
  const Tensor& output = op.output();
  if (input.shape.size() != 4 || output.shape.size() != 4 || input.shape[0] != 1 || output.shape[0] != 1) {
    return lowered;
  }
  const int64_t in_row = input.byte_size() / input.shape[1];
  const int64_t out_row = output.byte_size() / output.shape[1];
  int64_t delta = 0;
  for (int64_t oy = 0; oy < output.shape[1]; ++oy) {
    const int64_t first_needed_row = std::max<int64_t>(0, oy * stride_h - pad_h);
    delta = std::max(delta, (oy + 1) * out_row - first_needed_row * in_row);
  }
  lowered.inplace_input = 0;
  lowered.inplace_delta = static_cast<uint32_t>((delta + 7) / 8 * 8);  // keeps group members 8-byte aligned
  return lowered;
}

LoweredOp ElementwiseOp(const OpLowering& op, LoweredOp lowered) {
  if (ElementwiseInPlace(op.input(0), op.output())) lowered.inplace_input = 0;
  return lowered;
}

bool ElementwiseInPlace(const Tensor& input, const Tensor& output) {
  return input.element_count() == output.element_count() && ElementSize(output.type) <= ElementSize(input.type);
}

}  // namespace tml::compiler

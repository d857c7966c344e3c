#include "compiler/tflite/tflite_reader.h"

#include <cstring>
#include <string>

#include "tflite_subset_generated.h"

namespace tml::compiler {
namespace {

Result<ElementType> ConvertType(tflite::TensorType type) {
  switch (type) {
    case tflite::TensorType_FLOAT32: return ElementType::kFloat32;
    case tflite::TensorType_INT8: return ElementType::kInt8;
    case tflite::TensorType_INT16: return ElementType::kInt16;
    case tflite::TensorType_INT32: return ElementType::kInt32;
    case tflite::TensorType_INT64: return ElementType::kInt64;
    case tflite::TensorType_UINT8: return ElementType::kUInt8;
    case tflite::TensorType_BOOL: return ElementType::kBool;
    default: break;
  }
  const char* name = tflite::EnumNameTensorType(type);
  return Fail(std::string("unsupported tensor type ") + (name[0] ? name : "?") + " (" +
              std::to_string(static_cast<int>(type)) + ")");
}

Padding ConvertPadding(tflite::Padding padding) {
  return padding == tflite::Padding_SAME ? Padding::kSame : Padding::kValid;
}

Activation ConvertActivation(tflite::ActivationFunctionType act) {
  switch (act) {
    case tflite::ActivationFunctionType_RELU: return Activation::kRelu;
    case tflite::ActivationFunctionType_RELU_N1_TO_1: return Activation::kReluN1To1;
    case tflite::ActivationFunctionType_RELU6: return Activation::kRelu6;
    case tflite::ActivationFunctionType_TANH: return Activation::kTanh;
    case tflite::ActivationFunctionType_SIGN_BIT: return Activation::kSignBit;
    default: return Activation::kNone;
  }
}

OpOptions ReadOptions(const tflite::Operator& op) {
  OpOptions o;
  if (const auto* c = op.builtin_options_as_Conv2DOptions()) {
    o.padding = ConvertPadding(c->padding());
    o.stride_w = c->stride_w();
    o.stride_h = c->stride_h();
    o.dilation_w = c->dilation_w_factor();
    o.dilation_h = c->dilation_h_factor();
    o.activation = ConvertActivation(c->fused_activation_function());
  } else if (const auto* d = op.builtin_options_as_DepthwiseConv2DOptions()) {
    o.padding = ConvertPadding(d->padding());
    o.stride_w = d->stride_w();
    o.stride_h = d->stride_h();
    o.dilation_w = d->dilation_w_factor();
    o.dilation_h = d->dilation_h_factor();
    o.depth_multiplier = d->depth_multiplier();
    o.activation = ConvertActivation(d->fused_activation_function());
  } else if (const auto* p = op.builtin_options_as_Pool2DOptions()) {
    o.padding = ConvertPadding(p->padding());
    o.stride_w = p->stride_w();
    o.stride_h = p->stride_h();
    o.filter_w = p->filter_width();
    o.filter_h = p->filter_height();
    o.activation = ConvertActivation(p->fused_activation_function());
  } else if (const auto* f = op.builtin_options_as_FullyConnectedOptions()) {
    o.activation = ConvertActivation(f->fused_activation_function());
    o.keep_num_dims = f->keep_num_dims();
  } else if (const auto* s = op.builtin_options_as_SoftmaxOptions()) {
    o.beta = s->beta();
  } else if (const auto* c2 = op.builtin_options_as_ConcatenationOptions()) {
    o.axis = c2->axis();
    o.activation = ConvertActivation(c2->fused_activation_function());
  } else if (const auto* a = op.builtin_options_as_AddOptions()) {
    o.activation = ConvertActivation(a->fused_activation_function());
  } else if (const auto* m = op.builtin_options_as_MulOptions()) {
    o.activation = ConvertActivation(m->fused_activation_function());
  } else if (const auto* r = op.builtin_options_as_ReducerOptions()) {
    o.keep_dims = r->keep_dims();
  } else if (const auto* ss = op.builtin_options_as_StridedSliceOptions()) {
    o.begin_mask = ss->begin_mask();
    o.end_mask = ss->end_mask();
    o.ellipsis_mask = ss->ellipsis_mask();
    o.new_axis_mask = ss->new_axis_mask();
    o.shrink_axis_mask = ss->shrink_axis_mask();
    o.slice_offset = ss->offset();
  }
  return o;
}

std::string TensorWhere(size_t index, const flatbuffers::String* name) {
  std::string label = "tensor " + std::to_string(index);
  if (name != nullptr) label += " '" + name->str() + "'";
  return label;
}

Result<Tensor> ReadTensor(const tflite::Model& model, const tflite::Tensor& t, size_t index) {
  const std::string where = TensorWhere(index, t.name());
  Tensor out;
  if (t.name() != nullptr) out.name = t.name()->str();
  auto type = ConvertType(t.type());
  if (!type) return Fail(where + ": " + type.error().message);
  out.type = *type;
  if (t.shape() != nullptr) {
    if (t.shape()->size() > 6) {
      return Fail(where + ": rank " + std::to_string(t.shape()->size()) + " exceeds the maximum of 6");
    }
    int64_t count = 1;
    for (int32_t d : *t.shape()) {
      if (d <= 0) {
        return Fail(where + ": dimension " + std::to_string(d) +
                    " is not a positive static size (dynamic shapes are not supported)");
      }
      count *= d;
      if (count > (int64_t{1} << 31)) return Fail(where + ": more than 2^31 elements");
      out.shape.push_back(d);
    }
  }
  if (const auto* q = t.quantization(); q != nullptr && q->scale() != nullptr && q->scale()->size() > 0) {
    out.quant.scale.assign(q->scale()->begin(), q->scale()->end());
    if (q->zero_point() != nullptr) {
      // The verifier only guarantees 4-byte alignment of a vector; copy the int64s bytewise.
      out.quant.zero_point.resize(q->zero_point()->size());
      if (!out.quant.zero_point.empty()) {
        std::memcpy(out.quant.zero_point.data(), q->zero_point()->Data(), out.quant.zero_point.size() * 8);
      }
    }
    if (out.quant.zero_point.empty()) out.quant.zero_point.assign(out.quant.scale.size(), 0);
    out.quant.axis = q->quantized_dimension();
    if (out.quant.zero_point.size() != out.quant.scale.size()) {
      return Fail(where + ": quantization has " + std::to_string(out.quant.scale.size()) +
                  " scales but " + std::to_string(out.quant.zero_point.size()) + " zero points");
    }
    if (out.quant.per_channel()) {
      if (out.quant.axis < 0 || static_cast<size_t>(out.quant.axis) >= out.shape.size() ||
          static_cast<int64_t>(out.quant.scale.size()) != out.shape[out.quant.axis]) {
        return Fail(where + ": per-channel quantization along axis " +
                    std::to_string(out.quant.axis) + " has " +
                    std::to_string(out.quant.scale.size()) + " scales, shape does not match");
      }
    }
    for (float s : out.quant.scale) {
      if (!(s > 0.0f) || s != s || s > 1e30f) {
        return Fail(where + ": quantization scale " + std::to_string(s) + " is not positive and finite");
      }
    }
  }
  const auto* buffers = model.buffers();
  if (buffers == nullptr || t.buffer() >= buffers->size()) {
    return Fail(where + ": buffer index " + std::to_string(t.buffer()) + " is out of range");
  }
  const tflite::Buffer* buffer = buffers->Get(t.buffer());
  if (buffer->offset() != 0 || buffer->size() != 0) {
    return Fail(where + ": buffer data stored outside the flatbuffer is not supported");
  }
  if (buffer->data() != nullptr && buffer->data()->size() > 0) {
    const int64_t expected = out.byte_size();
    if (static_cast<int64_t>(buffer->data()->size()) != expected) {
      return Fail(where + ": buffer holds " + std::to_string(buffer->data()->size()) +
                  " bytes but shape and type need " + std::to_string(expected));
    }
    out.is_constant = true;
    out.data.assign(buffer->data()->begin(), buffer->data()->end());
  }
  return out;
}

Result<void> CheckIndices(const flatbuffers::Vector<int32_t>* list, size_t tensor_count,
                          bool allow_absent, const std::string& where) {
  if (list == nullptr) return {};
  for (int32_t id : *list) {
    if ((id == -1 && allow_absent)) continue;
    if (id < 0 || static_cast<size_t>(id) >= tensor_count) {
      return Fail(where + ": tensor index " + std::to_string(id) + " is out of range (model has " +
                  std::to_string(tensor_count) + " tensors)");
    }
  }
  return {};
}

/// Every op input must exist before the op runs; anything else is a cycle or a bad order.
Result<void> CheckOrder(const Graph& graph) {
  std::vector<int> producer(graph.tensors.size(), -1);
  std::vector<bool> available(graph.tensors.size(), false);
  for (size_t i = 0; i < graph.tensors.size(); ++i) available[i] = graph.tensors[i].is_constant;
  for (int32_t id : graph.inputs) available[id] = true;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    for (int32_t id : graph.ops[i].outputs) {
      if (producer[id] != -1 || available[id]) {
        return Fail(OpLabel(graph.ops[i]) + ": " + TensorLabel(graph, id) +
                    " is written more than once or is a constant/input");
      }
      producer[id] = static_cast<int>(i);
    }
  }
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    for (int32_t id : op.inputs) {
      if (id < 0 || available[id]) continue;
      if (producer[id] == -1) {
        return Fail(OpLabel(op) + ": " + TensorLabel(graph, id) + " is read but never written");
      }
      return Fail(OpLabel(op) + ": " + TensorLabel(graph, id) +
                  " is produced by a later op (the graph is cyclic or not in execution order)");
    }
    for (int32_t id : op.outputs) available[id] = true;
  }
  for (int32_t id : graph.outputs) {
    if (!available[id]) return Fail("model output " + TensorLabel(graph, id) + " is never written");
  }
  return {};
}

}  // namespace

Result<Graph> ReadTflite(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8) return Fail("not a TFLite model: only " + std::to_string(bytes.size()) + " bytes");
  if (!tflite::ModelBufferHasIdentifier(bytes.data())) {
    return Fail("not a TFLite model: file identifier is not 'TFL3'");
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!tflite::VerifyModelBuffer(verifier)) {
    return Fail("malformed TFLite model: the flatbuffer fails verification (bad offsets or sizes)");
  }
  const tflite::Model* model = tflite::GetModel(bytes.data());
  if (model->subgraphs() == nullptr || model->subgraphs()->size() == 0) {
    return Fail("malformed TFLite model: no subgraph");
  }
  const tflite::SubGraph* sg = model->subgraphs()->Get(0);
  const size_t tensor_count = sg->tensors() != nullptr ? sg->tensors()->size() : 0;

  Graph graph;
  for (size_t i = 0; i < tensor_count; ++i) {
    auto tensor = ReadTensor(*model, *sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(i)), i);
    if (!tensor) return tl::unexpected(tensor.error());
    graph.tensors.push_back(std::move(*tensor));
  }
  if (auto r = CheckIndices(sg->inputs(), tensor_count, false, "model inputs"); !r) return tl::unexpected(r.error());
  if (auto r = CheckIndices(sg->outputs(), tensor_count, false, "model outputs"); !r) return tl::unexpected(r.error());
  if (sg->inputs() != nullptr) graph.inputs.assign(sg->inputs()->begin(), sg->inputs()->end());
  if (sg->outputs() != nullptr) graph.outputs.assign(sg->outputs()->begin(), sg->outputs()->end());
  if (graph.outputs.empty()) return Fail("malformed TFLite model: subgraph 0 has no outputs");

  const auto* codes = model->operator_codes();
  const size_t op_count = sg->operators() != nullptr ? sg->operators()->size() : 0;
  for (size_t i = 0; i < op_count; ++i) {
    const tflite::Operator* fb_op = sg->operators()->Get(static_cast<flatbuffers::uoffset_t>(i));
    const std::string where = "op " + std::to_string(i);
    if (codes == nullptr || fb_op->opcode_index() >= codes->size()) {
      return Fail(where + ": operator code index " + std::to_string(fb_op->opcode_index()) + " is out of range");
    }
    const tflite::OperatorCode* code = codes->Get(fb_op->opcode_index());
    Op op;
    // Newer files keep codes above 127 in builtin_code; older ones only the deprecated byte.
    op.builtin_code = std::max<int32_t>(code->builtin_code(), code->deprecated_builtin_code());
    op.source_index = static_cast<int32_t>(i);
    if (auto r = CheckIndices(fb_op->inputs(), tensor_count, true, OpLabel(op)); !r) return tl::unexpected(r.error());
    if (auto r = CheckIndices(fb_op->outputs(), tensor_count, false, OpLabel(op)); !r) return tl::unexpected(r.error());
    if (fb_op->inputs() != nullptr) op.inputs.assign(fb_op->inputs()->begin(), fb_op->inputs()->end());
    if (fb_op->outputs() != nullptr) op.outputs.assign(fb_op->outputs()->begin(), fb_op->outputs()->end());
    if (op.outputs.empty()) return Fail(OpLabel(op) + ": has no outputs");
    op.options = ReadOptions(*fb_op);
    graph.ops.push_back(std::move(op));
  }
  if (auto r = CheckOrder(graph); !r) return tl::unexpected(r.error());
  return graph;
}

}  // namespace tml::compiler

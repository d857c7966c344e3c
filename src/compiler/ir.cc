#include "compiler/ir.h"

#include <algorithm>

#include "compiler/tflite/builtin_names.h"

namespace tml::compiler {

const char* ElementTypeName(ElementType type) {
  switch (type) {
    case ElementType::kFloat32: return "float32";
    case ElementType::kInt8: return "int8";
    case ElementType::kInt16: return "int16";
    case ElementType::kInt32: return "int32";
    case ElementType::kInt64: return "int64";
    case ElementType::kUInt8: return "uint8";
    case ElementType::kBool: return "bool";
  }
  return "?";
}

uint32_t ElementSize(ElementType type) {
  switch (type) {
    case ElementType::kFloat32: return 4;
    case ElementType::kInt8: return 1;
    case ElementType::kInt16: return 2;
    case ElementType::kInt32: return 4;
    case ElementType::kInt64: return 8;
    case ElementType::kUInt8: return 1;
    case ElementType::kBool: return 1;
  }
  return 1;
}

std::optional<DType> ToPlanType(ElementType type) {
  switch (type) {
    case ElementType::kFloat32: return DType::kFloat32;
    case ElementType::kInt8: return DType::kInt8;
    case ElementType::kInt16: return DType::kInt16;
    case ElementType::kInt32: return DType::kInt32;
    case ElementType::kUInt8: return DType::kUInt8;
    default: return std::nullopt;
  }
}

std::vector<size_t> Graph::ConsumersOf(int32_t id) const {
  std::vector<size_t> consumers;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (std::find(ops[i].inputs.begin(), ops[i].inputs.end(), id) != ops[i].inputs.end()) {
      consumers.push_back(i);
    }
  }
  return consumers;
}

bool Graph::IsGraphOutput(int32_t id) const {
  return std::find(outputs.begin(), outputs.end(), id) != outputs.end();
}

bool Graph::IsGraphInput(int32_t id) const {
  return std::find(inputs.begin(), inputs.end(), id) != inputs.end();
}

std::string BuiltinName(int32_t code) {
  const char* name = tflite_names::BuiltinOperatorName(code);
  return name != nullptr ? std::string(name) : "BUILTIN_" + std::to_string(code);
}

std::string OpLabel(const Op& op) {
  return "op " + std::to_string(op.source_index) + " (" + BuiltinName(op.builtin_code) + ")";
}

std::string TensorLabel(const Graph& graph, int32_t id) {
  if (id < 0 || static_cast<size_t>(id) >= graph.tensors.size()) {
    return "tensor " + std::to_string(id);
  }
  return "tensor " + std::to_string(id) + " '" + graph.tensors[id].name + "'";
}

}  // namespace tml::compiler
